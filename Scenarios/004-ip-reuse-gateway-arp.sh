#!/usr/bin/env bash
# Seed 004 as it looks in a cloud VPC: the new host resolves its gateway at boot (ARP seen at its
# own vantage point), the fabric does not carry that ARP to the server. See 004-ip-reuse.sh.
VT_004_VARIANT=gateway-arp exec bash "$(dirname "$0")/004-ip-reuse.sh"
