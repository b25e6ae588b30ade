"""Automatic call distributor: agent states, queues and routing, pure given a clock."""
