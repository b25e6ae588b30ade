"""The audit log: who did what, when and from where (logins, supervisor and admin actions)."""
