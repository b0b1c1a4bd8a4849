"""Records: packed instances, shard sorting and balancing, and the output formats."""
