"""Provisioning: the accounts of agents, supervisors and admins, their skills and passwords,
by API, by CSV import and from the command line."""
