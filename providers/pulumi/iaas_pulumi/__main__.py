"""``python -m iaas_pulumi``: run the provider plugin."""

from iaas_pulumi.plugin import main

main()
