"""The job on real engines (Flink, Prism, a portable job service) and the deploy files."""
