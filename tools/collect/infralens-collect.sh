#!/bin/sh
# InfraLens collector, bundle format v2.
#
# READ-ONLY: this script only runs the read-only commands listed below and reads files under /sys and
# /etc/pve. It writes nothing to disk, changes no setting and needs no network. Everything goes to
# standard output; a missing command is recorded in the bundle, not treated as a failure.
#
#   sh infralens-collect.sh > "$(hostname)-infralens.txt"
#
# then upload that file to the InfraLens channel (or run `infralens analyze FILE`).
# Run as any user; as root, Proxmox VM configs under /etc/pve are included too.
#
# Every section marker carries a token drawn at random for this run (stated on the first line), so a
# command output that happens to hold a line like "### infralens:section ..." cannot pass for a section.
# Every command and every file read has the same time limit (INFRALENS_TIMEOUT seconds, 120 by default).

LC_ALL=C
export LC_ALL
PATH="$PATH:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
SYSFS="${INFRALENS_SYSFS:-/sys}"
PVE="${INFRALENS_PVE:-/etc/pve}"
LIMIT="${INFRALENS_TIMEOUT:-120}"

# the marker token: 16 hex digits from /dev/urandom; without od, the process id and the clock
TOKEN=$(od -An -N8 -tx1 /dev/urandom 2>/dev/null | tr -d ' \n')
case "$TOKEN" in
  ????????*) ;;
  *) TOKEN="p$$t$(date +%s 2>/dev/null)" ;;
esac
TOKEN=$(printf '%s' "$TOKEN" | tr -cd 'A-Za-z0-9')

exec 3>&1

# safe NAME: a section name as one token of letters, digits and ._/- (a file name could hold anything)
safe() {
  printf '%s' "$1" | tr -c 'A-Za-z0-9._/-' '_'
}

begin() {
  printf '### infralens:section %s token=%s\n' "$1" "$TOKEN"
}

# limited COMMAND [ARGS...]: run it under the time limit when `timeout` exists.
limited() {
  if command -v timeout >/dev/null 2>&1; then
    timeout "$LIMIT" "$@"
  else
    "$@"
  fi
}

# run NAME COMMAND [ARGS...]: stdout goes to the bundle, stderr after the end marker as "#! " lines.
# Every command reads /dev/null: under `sh -s` the script itself is on standard input (and a shell such
# as bash reads it byte by byte), so a command reading stdin would swallow the rest of the script.
run() {
  name=$(safe "$1")
  shift
  begin "$name"
  if ! command -v "$1" >/dev/null 2>&1; then
    printf '### infralens:end %s token=%s missing\n' "$name" "$TOKEN"
    return 0
  fi
  err=$(limited "$@" 2>&1 1>&3 </dev/null)
  rc=$?
  printf '\n### infralens:end %s token=%s rc=%s\n' "$name" "$TOKEN" "$rc"
  if [ -n "$err" ]; then
    printf '%s\n' "$err" | sed 's/^/#! /'
  fi
  return 0
}

# show NAME FILE: print a readable file as a section (a read under the same time limit as commands).
show() {
  run "$1" cat -- "$2"
}

# The sysfs scan as a script of its own, so that it runs under the time limit too (a hung sysfs read
# would otherwise stop the collector). $1 is the sysfs root.
SYSFS_PCI_SCAN='
for dev in "$1"/bus/pci/devices/*; do
  [ -r "$dev/vendor" ] || continue
  read -r vendor < "$dev/vendor" || continue
  [ "$vendor" = "0x10de" ] || continue
  read -r class < "$dev/class" || continue
  case "$class" in
    0x0300*|0x0302*) ;;
    *) continue ;;
  esac
  device=""; numa=""; cpus=""; cls=""; mls=""; clw=""; mlw=""; drv=""
  [ -r "$dev/device" ] && read -r device < "$dev/device"
  [ -r "$dev/numa_node" ] && read -r numa < "$dev/numa_node"
  [ -r "$dev/local_cpulist" ] && read -r cpus < "$dev/local_cpulist"
  [ -r "$dev/current_link_speed" ] && read -r cls < "$dev/current_link_speed"
  [ -r "$dev/max_link_speed" ] && read -r mls < "$dev/max_link_speed"
  [ -r "$dev/current_link_width" ] && read -r clw < "$dev/current_link_width"
  [ -r "$dev/max_link_width" ] && read -r mlw < "$dev/max_link_width"
  [ -e "$dev/driver" ] && drv=$(basename "$(readlink "$dev/driver")")
  printf "bus=%s\tvendor=%s\tdevice=%s\tclass=%s\tdriver=%s\tnuma_node=%s\tlocal_cpulist=%s\tcurrent_link_speed=%s\tmax_link_speed=%s\tcurrent_link_width=%s\tmax_link_width=%s\n" \
    "$(basename "$dev")" "$vendor" "$device" "$class" "$drv" "$numa" "$cpus" "$cls" "$mls" "$clw" "$mlw"
done
'

printf '### infralens:bundle v2 token=%s\n' "$TOKEN"
begin meta
printf 'host=%s\n' "$(hostname 2>/dev/null || uname -n)"
printf 'collected_at=%s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)"
printf 'kernel=%s\n' "$(uname -r)"
printf 'collector=infralens-collect 2\n'
if [ -d "$PVE" ]; then printf 'proxmox=yes\n'; fi
printf '### infralens:end meta token=%s rc=0\n' "$TOKEN"

run nvidia-smi-q-x nvidia-smi -q -x
run nvidia-smi nvidia-smi
run nvidia-smi-L nvidia-smi -L
run query-gpu nvidia-smi --query-gpu=index,uuid,name,pci.bus_id,memory.total,memory.used,utilization.gpu,utilization.memory,temperature.gpu,power.draw,power.limit,pstate,mig.mode.current,pcie.link.gen.current,pcie.link.gen.max,pcie.link.width.current,pcie.link.width.max,clocks_throttle_reasons.active --format=csv
run query-compute-apps nvidia-smi --query-compute-apps=gpu_uuid,gpu_bus_id,pid,process_name,used_gpu_memory --format=csv
run topo-m nvidia-smi topo -m
run mig-lgip nvidia-smi mig -lgip
run mig-lgi nvidia-smi mig -lgi
run numactl-H numactl -H
run lscpu lscpu
run sysfs-pci sh -c "$SYSFS_PCI_SCAN" sh "$SYSFS"

if [ -d "$PVE/qemu-server" ]; then
  for conf in "$PVE"/qemu-server/*.conf; do
    [ -r "$conf" ] || continue
    show "pve-qemu-server/$(basename "$conf")" "$conf"
  done
fi
if [ -r "$PVE/mapping/pci.cfg" ]; then
  show pve-mapping-pci "$PVE/mapping/pci.cfg"
fi
exit 0
