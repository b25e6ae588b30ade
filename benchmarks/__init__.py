"""``make bench``: each figure beside its target and a peer measured in the same run."""
