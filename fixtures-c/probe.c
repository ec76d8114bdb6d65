/* probe: feature probes, run once per run by the runner (runner/probes.ts).
 * `probe all` prints, for each feature, `feature.<id>=0|1` and `feature.<id>.detail=<why>`.
 * Probes test what the kernel does, never its version string. */
#include "sud.h"
#include <sys/ptrace.h>
#include <sys/prctl.h>
#include <sys/utsname.h>
#include <linux/filter.h>
#include <linux/seccomp.h>

static void feature(const char *id, int present, const char *fmt, ...)
{
	char key[64], detail[256];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(detail, sizeof detail, fmt, ap);
	va_end(ap);
	for (char *c = detail; *c; c++)
		if (*c == '\n')
			*c = ' ';
	snprintf(key, sizeof key, "feature.%s", id);
	fact(key, "%d", present);
	snprintf(key, sizeof key, "feature.%s.detail", id);
	fact(key, "%s", detail);
}

static int probe_sud(void)
{
	struct sud_result r = sud_prctl(SUD_OFF, 0, 0, 0);
	if (r.ret == 0)
		feature("sud", 1, "prctl(PR_SET_SYSCALL_USER_DISPATCH, OFF, 0, 0, 0) returned 0");
	else
		feature("sud", 0, "prctl(PR_SET_SYSCALL_USER_DISPATCH, OFF, 0, 0, 0) failed with %s: no Syscall User Dispatch",
			errno_name(r.err));
	return r.ret == 0;
}

static void probe_inclusive(int sud)
{
	volatile uint8_t allow = SUD_ALLOW;
	if (!sud) {
		feature("inclusive", 0, "no Syscall User Dispatch at all");
		return;
	}
	struct sud_result r = sud_prctl(SUD_INCLUSIVE, 0x1000, 0x1000, sud_addr(&allow));
	sud_prctl(SUD_OFF, 0, 0, 0);
	if (r.ret == 0)
		feature("inclusive", 1, "PR_SYS_DISPATCH_INCLUSIVE_ON (2) accepted");
	else
		feature("inclusive", 0, "PR_SYS_DISPATCH_INCLUSIVE_ON (2) rejected with %s (added in 6.17)", errno_name(r.err));
}

static void probe_ptrace_config(int sud)
{
	if (!sud) {
		feature("ptrace-config", 0, "no Syscall User Dispatch at all");
		return;
	}
	pid_t child = fork();
	if (child < 0)
		harness_error("fork");
	if (child == 0) {
		if (ptrace(PTRACE_TRACEME, 0, 0, 0))
			_exit(1);
		raise(SIGSTOP);
		_exit(0);
	}
	int status;
	if (waitpid(child, &status, 0) != child || !WIFSTOPPED(status)) {
		feature("ptrace-config", 0, "could not stop a traced child (ptrace not permitted?)");
		kill(child, SIGKILL);
		waitpid(child, &status, 0);
		return;
	}
	struct sud_ptrace_config cfg;
	memset(&cfg, 0xaa, sizeof cfg);
	errno = 0;
	long r = ptrace((enum __ptrace_request)SUD_PTRACE_GET, child, (void *)sizeof cfg, &cfg);
	int e = errno;
	kill(child, SIGKILL);
	waitpid(child, &status, 0);
	if (r == 0)
		feature("ptrace-config", 1, "PTRACE_GET_SYSCALL_USER_DISPATCH_CONFIG answered on a stopped child");
	else
		feature("ptrace-config", 0, "PTRACE_GET_SYSCALL_USER_DISPATCH_CONFIG failed with %s (added in 6.4)", errno_name(e));
}

static void probe_ia32(void)
{
	pid_t child = fork();
	if (child < 0)
		harness_error("fork");
	if (child == 0) {
		long ret;
		/* i386 getpid is 20 */
		__asm__ volatile("int $0x80" : "=a"(ret) : "a"(20L) : "memory");
		_exit(ret == getpid() ? 0 : 1);
	}
	int status;
	waitpid(child, &status, 0);
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		feature("ia32", 1, "int $0x80 getpid works from a 64-bit task");
	else if (WIFSIGNALED(status))
		feature("ia32", 0, "int $0x80 killed a 64-bit task with signal %d: no ia32 emulation", WTERMSIG(status));
	else
		feature("ia32", 0, "int $0x80 getpid returned a wrong value: no ia32 emulation");
}

static void probe_rseq(void)
{
#ifndef SYS_rseq
#define SYS_rseq 334
#endif
	errno = 0;
	long r = syscall(SYS_rseq, NULL, 0, 0, 0);
	if (r == -1 && errno == ENOSYS)
		feature("rseq", 0, "rseq(2) answers ENOSYS");
	else
		feature("rseq", 1, "rseq(2) exists (answered %s to an empty call)", errno_name(r == -1 ? errno : 0));
}

static void probe_sysctl(void)
{
	FILE *f = fopen("/proc/sys/kernel/syscall_user_dispatch", "r");
	if (!f) {
		feature("sysctl", 0, "no /proc/sys/kernel/syscall_user_dispatch (%s)", errno_name(errno));
		return;
	}
	int v = -1;
	if (fscanf(f, "%d", &v) != 1)
		v = -1;
	fclose(f);
	feature("sysctl", 1, "kernel.syscall_user_dispatch = %d", v);
}

static void probe_tracefs(void)
{
	const char *dirs[] = {"/sys/kernel/tracing", "/sys/kernel/debug/tracing"};
	if (geteuid() != 0) {
		feature("tracefs", 0, "not running as root: tracepoints cannot be enabled");
		return;
	}
	for (size_t i = 0; i < 2; i++) {
		char path[128];
		snprintf(path, sizeof path, "%s/events/raw_syscalls/enable", dirs[i]);
		if (access(path, W_OK) == 0) {
			feature("tracefs", 1, "%s is writable", path);
			return;
		}
	}
	feature("tracefs", 0, "tracefs with raw_syscalls events is not mounted at /sys/kernel/tracing");
}

static void probe_seccomp(void)
{
	pid_t child = fork();
	if (child < 0)
		harness_error("fork");
	if (child == 0) {
		struct sock_filter allow[] = {BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW)};
		struct sock_fprog prog = {1, allow};
		if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0))
			_exit(2);
		if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog))
			_exit(3);
		_exit(0);
	}
	int status;
	waitpid(child, &status, 0);
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		feature("seccomp", 1, "a SECCOMP_SET_MODE_FILTER allow-all filter installs");
	else
		feature("seccomp", 0, "installing a seccomp filter failed (exit status %d)", status);
}

static void probe_va47(void)
{
	/* With 5-level paging a hint above 47 bits is honoured; with 4-level it cannot be. */
	void *hint = (void *)(1UL << 50);
	void *p = mmap(hint, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	if (p == MAP_FAILED) {
		feature("va47", 1, "47-bit user address space (a mapping above 1<<47 is refused)");
		return;
	}
	munmap(p, 4096);
	feature("va47", 0, "5-level paging: user addresses above 1<<47 exist, so the selector EFAULT boundary moves");
}

static void probe_vsyscall(void)
{
	FILE *f = fopen("/proc/self/maps", "r");
	char line[512];
	int found = 0;
	if (!f)
		harness_error("open /proc/self/maps");
	while (fgets(line, sizeof line, f))
		if (strstr(line, "[vsyscall]")) {
			found = strstr(line, " --xp ") || strstr(line, " r-xp ") ? 2 : 1;
			break;
		}
	fclose(f);
	if (found == 2)
		feature("vsyscall", 1, "[vsyscall] page mapped executable (vsyscall=emulate or xonly)");
	else if (found == 1)
		feature("vsyscall", 0, "[vsyscall] page mapped but not executable");
	else
		feature("vsyscall", 0, "no [vsyscall] mapping (vsyscall=none)");
}

static int probe_all(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	struct utsname u;
	sud_reset_signals();
	if (uname(&u) == 0) {
		fact("kernel.release", "%s", u.release);
		fact("kernel.version", "%s", u.version);
		fact("kernel.machine", "%s", u.machine);
	}
	int sud = probe_sud();
	probe_inclusive(sud);
	probe_ptrace_config(sud);
	probe_ia32();
	probe_rseq();
	probe_sysctl();
	probe_tracefs();
	probe_seccomp();
	probe_va47();
	probe_vsyscall();
	return 0;
}

static const struct sud_case cases[] = {
	{"all", probe_all, "  print every feature probe"},
};
SUD_MAIN(cases)
