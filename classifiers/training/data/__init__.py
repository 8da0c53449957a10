"""Dataset readers, one module per source family; ``build`` assembles the train/val/test splits."""
