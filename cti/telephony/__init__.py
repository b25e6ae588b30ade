"""The telephony port: what every PBX adapter emits and accepts."""
