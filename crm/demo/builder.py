"""The generator's former home; callers written against it keep working (use ``crm.demo.generator``)."""

from crm.demo.generator import DEMO_ORG_NAME, dataset, generate, write_dataset

__all__ = ["DEMO_ORG_NAME", "dataset", "generate", "write_dataset"]
