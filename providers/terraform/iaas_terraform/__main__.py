"""``python -m iaas_terraform``: the same as the ``terraform-provider-iaas`` executable."""

import sys

from iaas_terraform.plugin import main

sys.exit(main())
