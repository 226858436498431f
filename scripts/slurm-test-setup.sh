#!/usr/bin/env bash
# A real single-node Slurm (slurmctld + slurmd, authenticated by munge) for saddle's sweep tests.
#
#   scripts/slurm-test-setup.sh [--no-install]
#
# Installs the Debian packages slurm-wlm and munge when they are missing (unless --no-install),
# writes a minimal /etc/slurm/slurm.conf with this host as the only node, creates a munge key if
# there is none, starts munged, slurmctld and slurmd directly (no systemd), and waits until the
# node is idle. Needs root. Idempotent: a Slurm that already answers with an idle node is left as
# it is; daemons already running are not started twice. Exit 0 when the node is idle; otherwise
# exit 1 with the reason on stderr (the tests print it as their skip reason).
# scripts/slurm-test-stop.sh stops what this started.
set -uo pipefail

install=1
[ "${1:-}" = "--no-install" ] && install=0

die() {
    echo "slurm-test-setup: $*" >&2
    exit 1
}

node_state() { sinfo -h -o %t 2>/dev/null | head -n1 | tr -d '*~#$@^-'; }

ours() { grep -qs "saddle's scripts/slurm-test-setup.sh" /etc/slurm/slurm.conf; }
# A Slurm that already answers is used as is, unless it is ours and we may bring its
# configuration up to date (as root; an unchanged one is not restarted).
if command -v sinfo >/dev/null 2>&1 && [ "$(node_state)" = idle ] && { ! ours || [ "$(id -u)" -ne 0 ]; }; then
    echo "slurm-test-setup: Slurm already up, node idle"
    exit 0
fi

[ "$(id -u)" -eq 0 ] || die "not root: starting slurmctld, slurmd and munged needs root (or start a Slurm yourself)"

if ! command -v slurmctld >/dev/null 2>&1 || ! command -v slurmd >/dev/null 2>&1 || ! command -v munged >/dev/null 2>&1; then
    [ "$install" -eq 1 ] || die "slurm-wlm / munge are not installed (run scripts/slurm-test-setup.sh as root to install them)"
    command -v apt-get >/dev/null 2>&1 || die "slurm-wlm / munge are not installed and there is no apt-get to install them"
    echo "slurm-test-setup: installing slurm-wlm and munge (apt)"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null || die "apt-get update failed"
    # Debian's maintainer scripts try to start the services; without systemd they cannot:
    # policy-rc.d tells them not to try (one the machine already has is left as it is).
    own_policy=0
    if [ ! -e /usr/sbin/policy-rc.d ]; then
        printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d && own_policy=1
    fi
    apt-get install -y -qq --no-install-recommends slurm-wlm munge >/dev/null
    rc=$?
    [ $own_policy -eq 1 ] && rm -f /usr/sbin/policy-rc.d
    [ $rc -eq 0 ] || die "apt-get install slurm-wlm munge failed (exit $rc)"
fi

host=$(hostname -s)
[ -n "$host" ] || die "hostname -s is empty"

# munge: a key (1024 random bytes, owner munge, mode 400) and the daemon, as the munge user.
install -d -o munge -g munge -m 700 /etc/munge /var/lib/munge /var/log/munge
install -d -o munge -g munge -m 755 /run/munge
if [ ! -s /etc/munge/munge.key ]; then
    dd if=/dev/urandom of=/etc/munge/munge.key bs=1024 count=1 status=none || die "cannot write /etc/munge/munge.key"
fi
chown munge:munge /etc/munge/munge.key && chmod 400 /etc/munge/munge.key
if ! munge -n 2>/dev/null | unmunge >/dev/null 2>&1; then
    runuser -u munge -- /usr/sbin/munged || die "munged did not start (see /var/log/munge/munged.log)"
    for _ in $(seq 50); do
        munge -n 2>/dev/null | unmunge >/dev/null 2>&1 && break
        sleep 0.1
    done
    munge -n 2>/dev/null | unmunge >/dev/null 2>&1 || die "munge does not answer after starting munged"
fi

# slurm.conf: this host as the only node, with what slurmd itself detects (CPUs, memory).
hw=$(slurmd -C 2>/dev/null | head -n1)
case "$hw" in
NodeName=*) ;;
*) die "slurmd -C did not describe this node: $hw" ;;
esac
hw=$(echo "$hw" | sed "s/^NodeName=[^ ]*/NodeName=$host/")
install -d /etc/slurm /var/spool/slurmctld /var/spool/slurmd /var/log/slurm
conf=$(
    cat <<EOF
# Written by saddle's scripts/slurm-test-setup.sh: a single-node test cluster.
ClusterName=saddletest
SlurmctldHost=$host
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
# A requeued job waits cred_expire seconds before it may start again (default 120).
AuthInfo=cred_expire=5
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
MpiDefault=none
ReturnToService=2
StateSaveLocation=/var/spool/slurmctld
SlurmdSpoolDir=/var/spool/slurmd
SchedulerType=sched/backfill
# Pending jobs (a requeued task past its begin time) are looked at every 2 s, not every 60.
SchedulerParameters=sched_interval=2,bf_interval=2
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
JobCompType=jobcomp/none
KillWait=10
# Task ids stop at 9 (Slurm's default is 1001): the tests' sweeps of a few dozen members are
# then submitted as several arrays, as a sweep over 1001 members is on a default cluster.
MaxArraySize=10
SlurmctldLogFile=/var/log/slurm/slurmctld.log
SlurmdLogFile=/var/log/slurm/slurmd.log
SlurmctldPidFile=/run/slurmctld.pid
SlurmdPidFile=/run/slurmd.pid
$hw State=UNKNOWN
PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP
EOF
)
if [ -f /etc/slurm/slurm.conf ] && ! ours; then
    die "/etc/slurm/slurm.conf exists and was not written by this script: not touching it (start that Slurm yourself)"
fi
alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }
stop() {
    alive "$1" || return 0
    local pid
    pid=$(cat "$1")
    kill -TERM "$pid"
    for _ in $(seq 100); do
        kill -0 "$pid" 2>/dev/null || return 0
        sleep 0.1
    done
}
if [ "$(cat /etc/slurm/slurm.conf 2>/dev/null)" != "$conf" ]; then
    # Daemons started on an older configuration restart on this one.
    stop /run/slurmd.pid
    stop /run/slurmctld.pid
    echo "$conf" >/etc/slurm/slurm.conf
fi
if ! alive /run/slurmctld.pid; then
    slurmctld || die "slurmctld did not start (see /var/log/slurm/slurmctld.log)"
fi
for _ in $(seq 100); do
    scontrol ping 2>/dev/null | grep -q UP && break
    sleep 0.2
done
scontrol ping 2>/dev/null | grep -q UP || die "slurmctld does not answer (see /var/log/slurm/slurmctld.log)"
if ! alive /run/slurmd.pid; then
    slurmd || die "slurmd did not start (see /var/log/slurm/slurmd.log)"
fi

# Wait for the node: idle, resuming it once if it comes up down or drained.
resumed=0
for _ in $(seq 120); do
    s=$(node_state)
    case "$s" in
    idle)
        echo "slurm-test-setup: node $host idle"
        exit 0
        ;;
    down | drain | drng | fail)
        if [ $resumed -eq 0 ]; then
            scontrol update nodename="$host" state=resume >/dev/null 2>&1
            resumed=1
        fi
        ;;
    esac
    sleep 0.5
done
die "node $host is '$(node_state)', not idle, after 60 s (see /var/log/slurm/slurmd.log and slurmctld.log)"
