"""Record types, the TFRecord feature spec and the manifest layout: the contracts between stages."""
