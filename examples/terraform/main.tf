# A small web tier on iaas, driven by Terraform.
#
# ./run.sh beside this file points Terraform at the provider of this checkout, then plans,
# applies, changes and destroys this configuration on the embedded cloud (a simulated host
# kept under .iaas/ in the working directory).

terraform {
  required_providers {
    iaas = {
      source = "terraform.local/iaas/iaas"
    }
  }
}

variable "image_file" {
  description = "A disk image file for the instance (any file will do on the embedded cloud)."
  type        = string
  default     = "tiny.qcow2"
}

variable "memory_mib" {
  description = "Memory of the web instance; changes within max_memory_mib are made live."
  type        = number
  default     = 512
}

variable "public_key" {
  description = "The OpenSSH public key put on the instance."
  type        = string
  default     = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBuv/KSUvMGI/cYjVZMDbq3/xOtNfOX9ahyM0FUSsG1d demo@iaas"
}

provider "iaas" {
  # home  = "/var/lib/iaas"  # default: $IAAS_HOME, else .iaas in the working directory
  # cloud = "cloud.yaml"     # real libvirt hosts; default: $IAAS_CLOUD, else the embedded cloud
  stack = "terraform-example"
}

resource "iaas_key_pair" "admin" {
  name       = "admin"
  public_key = var.public_key
}

resource "iaas_network" "web" {
  name = "web"
  cidr = "10.60.0.0/24"
}

resource "iaas_security_group" "web" {
  name        = "web"
  description = "ssh and http from anywhere"
  rules = [
    { port_min = 22 },
    { port_min = 80 },
  ]
}

resource "iaas_image" "base" {
  name   = "base"
  source = abspath(var.image_file)
}

resource "iaas_volume" "data" {
  name     = "data"
  size_gib = 2
}

resource "iaas_instance" "web" {
  name           = "web"
  image          = iaas_image.base.id
  flavor         = "m1.tiny"
  memory_mib     = var.memory_mib
  max_memory_mib = 2048
  key_pair       = iaas_key_pair.admin.id
  volumes        = [iaas_volume.data.id]
  user_data      = "#cloud-config\npackages: [nginx]\n"
  nics = [{
    network         = iaas_network.web.id
    fixed_ip        = "10.60.0.10"
    security_groups = [iaas_security_group.web.id]
  }]
  wait_for_address = true # ip_address is known when the apply ends
}

resource "iaas_port_forward" "ssh" {
  name        = "web-ssh"
  instance    = iaas_instance.web.id
  target_port = 22
  host_port   = 2222
}

data "iaas_network" "web" {
  name = iaas_network.web.name
}

output "ip_address" {
  value = iaas_instance.web.ip_address
}

output "gateway" {
  value = data.iaas_network.web.gateway
}
