#!/usr/bin/env bash
# Stops the single-node Slurm that scripts/slurm-test-setup.sh started (slurmd, slurmctld,
# munged), by the process ids in their pid files. A Slurm that script did not configure is left
# alone.
set -uo pipefail

grep -qs "saddle's scripts/slurm-test-setup.sh" /etc/slurm/slurm.conf || {
    echo "slurm-test-stop: /etc/slurm/slurm.conf is not the test cluster's: nothing stopped"
    exit 0
}
stop() {
    local name=$1 pidfile=$2
    [ -f "$pidfile" ] || return 0
    local pid
    pid=$(cat "$pidfile")
    if kill -0 "$pid" 2>/dev/null; then
        kill -TERM "$pid"
        for _ in $(seq 50); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.1
        done
        echo "slurm-test-stop: stopped $name ($pid)"
    fi
}
stop slurmd /run/slurmd.pid
stop slurmctld /run/slurmctld.pid
stop munged /run/munge/munged.pid
