/* sysctl: kernel.syscall_user_dispatch (2026 kernels, kernel-behaviour.md version table and A6's check order).
 * When the sysctl is 0, arming (prctl) fails with EPERM, disarming still works, and a task armed
 * before keeps dispatching. The cases write the machine-wide sysctl, so their scenarios run alone
 * (`exclusive`), and they put the value they found back before they report anything else.
 *
 *   sysctl eperm        with the sysctl at 0: a valid EXCLUSIVE arming, a valid INCLUSIVE arming, a bad
 *                       range (EINVAL first), a valid range with a kernel selector (EPERM before EFAULT),
 *                       OFF; then with the sysctl at 1 the same valid arming (the control).
 *       facts: sysctl.found, zero.{exclusive,inclusive,badrange,badselector,off}.{ret,errno},
 *              one.exclusive.{ret,errno}
 *   sysctl armed-stays  armed (sysctl 1, selector BLOCK), sysctl set to 0, one probe call
 *       facts: sysctl.found, arm.{ret,errno}, probe.ret, sigsys.* (the handler's record)
 */
#include "sud.h"
#include <fcntl.h>

#define SYSCTL_PATH "/proc/sys/kernel/syscall_user_dispatch"

static int original = -1;

static int read_sysctl(void)
{
	char buf[16] = {0};
	int fd = open(SYSCTL_PATH, O_RDONLY);
	if (fd < 0)
		skip("no %s (%s): the kernel has no syscall_user_dispatch sysctl", SYSCTL_PATH, errno_name(errno));
	ssize_t n = read(fd, buf, sizeof buf - 1);
	close(fd);
	if (n <= 0)
		harness_error("read %s", SYSCTL_PATH);
	return atoi(buf);
}

/* Writes through raw syscalls of the escape gate, so it works while armed with a BLOCK selector. */
static int write_sysctl(int value)
{
	char c = value ? '1' : '0';
	long fd = sud_gate_escape(SYS_openat, AT_FDCWD, (long)SYSCTL_PATH, O_WRONLY, 0, 0, 0);
	if (fd < 0)
		return (int)-fd;
	long w = sud_gate_escape(SYS_write, fd, (long)&c, 1, 0, 0, 0);
	sud_gate_escape(SYS_close, fd, 0, 0, 0, 0, 0);
	return w == 1 ? 0 : (w < 0 ? (int)-w : EIO);
}

static void restore(void)
{
	if (original >= 0)
		write_sysctl(original);
}

/* Finds the value, and checks it can be written (root), before anything depends on it. */
static void take_sysctl(void)
{
	original = read_sysctl();
	fact_int("sysctl.found", original);
	int e = write_sysctl(original);
	if (e == EACCES || e == EPERM)
		skip("cannot write %s (%s): run as root", SYSCTL_PATH, errno_name(e));
	if (e) {
		errno = e;
		harness_error("write %s", SYSCTL_PATH);
	}
	atexit(restore);
}

static void set_or_die(int value)
{
	int e = write_sysctl(value);
	if (e) {
		restore();
		errno = e;
		harness_error("write %d to %s", value, SYSCTL_PATH);
	}
}

static int case_eperm(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	sud_reset_signals();
	sud_require();
	take_sysctl();
	volatile uint8_t *sel = sud_selector_page(SUD_ALLOW);
	uint64_t off = sud_addr(sud_gate_escape_insn), len = sud_addr(sud_gate_escape_end) - off;
	struct sud_result r[5], control;

	set_or_die(0);
	r[0] = sud_prctl(SUD_EXCLUSIVE, off, len, sud_addr(sel));
	r[1] = sud_prctl(SUD_INCLUSIVE, 0x1000, 0x1000, sud_addr(sel));
	r[2] = sud_prctl(SUD_EXCLUSIVE, 1, 0, sud_addr(sel));                   /* bad range (A4) */
	r[3] = sud_prctl(SUD_EXCLUSIVE, off, len, 0xffffffff81000000ULL);         /* kernel selector (A6) */
	r[4] = sud_prctl(SUD_OFF, 0, 0, 0);
	set_or_die(1);
	control = sud_prctl(SUD_EXCLUSIVE, off, len, sud_addr(sel));
	sud_prctl(SUD_OFF, 0, 0, 0); /* anything that armed above, including a wrong success, is undone */
	restore();

	fact_result("zero.exclusive", r[0]);
	fact_result("zero.inclusive", r[1]);
	fact_result("zero.badrange", r[2]);
	fact_result("zero.badselector", r[3]);
	fact_result("zero.off", r[4]);
	fact_result("one.exclusive", control);
	return SUD_EXIT_RAN;
}

static int case_armed_stays(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	sud_reset_signals();
	sud_require();
	take_sysctl();
	volatile uint8_t *sel = sud_selector_page(SUD_ALLOW);
	sud_policy.selector = sel;
	sud_policy.set_return = 1;
	sud_policy.return_value = 0x5ad;
	sud_install_sigsys(0);

	set_or_die(1);
	struct sud_result arm = sud_arm_escape(sel);
	set_or_die(0);
	*sel = SUD_BLOCK;
	long ret = SUD_PROBE0(SYS_getppid);
	*sel = SUD_ALLOW;
	sud_disarm_escape();
	restore();

	fact_result("arm", arm);
	fact_hex("probe.ret", (uint64_t)ret);
	fact_sigsys("sigsys");
	return SUD_EXIT_RAN;
}

static const struct sud_case cases[] = {
	{"eperm", case_eperm, "  arming with the sysctl at 0 (EPERM, check order, OFF), then at 1"},
	{"armed-stays", case_armed_stays, "  a task armed before the sysctl goes to 0 keeps dispatching"},
};
SUD_MAIN(cases)
