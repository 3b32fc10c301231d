"""The storage pools iaas keeps on every host, under the host's ``pool_path`` (default ``/var/lib/iaas``)::

iaas-images   <pool_path>/images    one copy of every image per host
iaas-volumes  <pool_path>/volumes   volumes, instance root disks and cloud-init seeds
"""

IMAGE_POOL = "iaas-images"
VOLUME_POOL = "iaas-volumes"
DEFAULT_POOL_ROOT = "/var/lib/iaas"
