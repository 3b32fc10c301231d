"""Hypervisor drivers of iaas.  The one driver today is :mod:`iaas.drivers.libvirt`."""
