"""What a trainer imports to consume the pipeline's output; torch is imported only where used."""
