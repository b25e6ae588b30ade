"""The Asterisk adapter: the AMI wire core (``cti.asterisk.ami``) and what is built on it."""
