#!/bin/busybox sh
# /init of the test VM (PID 1, busybox ash). Copied into the initramfs by
# build-initramfs.sh; not meant to run on the host.
#
#  1. mounts proc, sys, devtmpfs, tmpfs, configfs; brings up loopback
#  2. insmods the modules listed in /etc/vmtest/modules, in that order
#  3. creates the default gpio-sim chip (unless VMTEST_GPIOSIM_LINES=0) and
#     runs /tests/vmtest-setup.sh if present -- all BEFORE any test starts, so
#     code that enumerates GPIO chips once sees the simulated one
#  4. runs every *.test under /tests with -test.v, from its own directory
#  5. prints "vm: N passed, N failed, N skipped" and powers off
/bin/busybox --install -s /bin
export PATH=/bin HOME=/tmp TMPDIR=/tmp
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
mkdir -p /tmp && mount -t tmpfs tmpfs /tmp
exec </dev/console >/dev/console 2>&1
# no network device, but loopback must be up for httptest & co.
ip link set lo up 2>/dev/null || ifconfig lo 127.0.0.1 up

# settings baked in by build-initramfs.sh (VMTEST_* variables)
[ -f /etc/vmtest/env ] && . /etc/vmtest/env
export VMTEST=1

say() { echo "vmtest: $*"; }
say "kernel $(uname -r) $(uname -m), $(grep -c ^processor /proc/cpuinfo) cpu(s)"

while read -r ko args; do
	[ -n "$ko" ] || continue
	# shellcheck disable=SC2086
	insmod "/lib/modules/$ko" $args || say "insmod $ko FAILED"
done </etc/vmtest/modules

if grep -qw configfs /proc/filesystems; then
	mount -t configfs configfs /sys/kernel/config
fi

# gpio-sim: one chip "vmtest", one bank of $VMTEST_GPIOSIM_LINES lines named
# vmtest-line<N>. Its /dev/gpiochipN and sysfs directory are exported to the
# tests as VMTEST_GPIO_CHIP (e.g. /dev/gpiochip1) and VMTEST_GPIO_SYSFS
# (e.g. /sys/devices/platform/gpio-sim.0/gpiochip1, holding sim_gpio<N>/pull
# and sim_gpio<N>/value).
n=${VMTEST_GPIOSIM_LINES:-8}
if [ "$n" -gt 0 ] && [ -d /sys/kernel/config/gpio-sim ]; then
	c=/sys/kernel/config/gpio-sim/vmtest
	mkdir $c $c/bank0
	echo "$n" >$c/bank0/num_lines
	echo vmtest-gpio >$c/bank0/label
	i=0
	while [ $i -lt "$n" ]; do
		mkdir $c/bank0/line$i
		echo "vmtest-line$i" >$c/bank0/line$i/name
		i=$((i + 1))
	done
	echo 1 >$c/live
	chip=$(cat $c/bank0/chip_name)
	pdev=$(cat $c/dev_name)
	export VMTEST_GPIO_CHIP="/dev/$chip"
	export VMTEST_GPIO_SYSFS="/sys/devices/platform/$pdev/$chip"
	say "gpio-sim: $VMTEST_GPIO_CHIP ($n lines), sysfs $VMTEST_GPIO_SYSFS"
fi
[ -e /dev/video0 ] && say "v4l2: /dev/video0 present"

if [ -f /tests/vmtest-setup.sh ]; then
	say "running /tests/vmtest-setup.sh"
	. /tests/vmtest-setup.sh
fi

passed=0 failed=0 skipped=0
for t in $(find /tests -name '*.test' -type f | sort); do
	say "=== $t (uptime $(cut -d' ' -f1 /proc/uptime)s)"
	# shellcheck disable=SC2086 # VMTEST_TEST_ARGS is a list of flags
	(cd "$(dirname "$t")" && "$t" -test.v -test.timeout="${VMTEST_TEST_TIMEOUT:-300s}" ${VMTEST_TEST_ARGS:-}; echo $? >/tmp/rc) 2>&1 | tee /tmp/out
	rc=$(cat /tmp/rc)
	p=$(grep -c '^--- PASS' /tmp/out)
	f=$(grep -c '^--- FAIL' /tmp/out)
	s=$(grep -c '^--- SKIP' /tmp/out)
	# a crash, panic or timeout may fail a binary without any "--- FAIL" line
	if [ "$rc" != 0 ] && [ "$f" = 0 ]; then f=1; fi
	say "$t: exit $rc, $p passed, $f failed, $s skipped (uptime $(cut -d' ' -f1 /proc/uptime)s)"
	passed=$((passed + p)) failed=$((failed + f)) skipped=$((skipped + s))
done

sync
echo "vm: $passed passed, $failed failed, $skipped skipped"
poweroff -f
