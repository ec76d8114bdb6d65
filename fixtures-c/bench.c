/* bench: hot loops for `sudcheck bench` (runner/bench/, docs/bench.md).
 *
 *   bench list                      prints `path.<id>=<what it measures>` for every path
 *   bench cpu                       prints `cpu=<n>`, the CPU `run` pins to by default
 *   bench run [key=value...]        measures; keys:
 *       paths=a,b,c    paths to measure (default: all); `baseline` is always measured
 *       batch_ns=N     target duration of one timed batch (default 2000000)
 *       warmup=N       rounds measured and discarded first (default 20)
 *       rounds=N       maximum measured rounds (default 100000)
 *       budget_ms=N    stop measuring after this long, after at least 5 rounds (default 40000)
 *       cpu=N          pin to this CPU (default: the highest CPU this process may run on; -1: no pinning)
 *
 * One round runs one batch of every path, starting at a different path each round (A B C, B C A, ...),
 * so that paths are interleaved (ABAB) and drift or a noisy neighbour touches all of them alike.
 * A batch is N calls timed with clock_gettime(CLOCK_MONOTONIC) (vDSO, no syscall) around the loop;
 * its figure is the elapsed time divided by N. N is calibrated once per path so a batch lasts about
 * batch_ns. Nothing is subtracted here: `baseline` (the same loop calling a gate without `syscall`)
 * is printed like any path and the runner subtracts its median, so the raw figures stay visible.
 *
 * Output, at the end (facts, one line per key): `cpu`, `cpu.pinned`, `rounds.warmup`, `rounds.measured`,
 * `iters.<path>`, `samples.<path>` (comma-separated ns per call, one per measured batch, in round order),
 * `unavailable.<path>` (why a path could not be measured), `ppid`.
 *
 * Where each path runs:
 *   - this process: baseline, native, native-enosys, armed-inside, armed-allow, sud-sigsys,
 *     switch-flip, switch-prctl (SUD is armed before a batch and disarmed after it);
 *   - a forked worker with a seccomp filter (a filter can never be removed, and it would tax every
 *     other path): seccomp-allow, seccomp-trap; driven over a pipe, one batch per command;
 *   - a forked tracee under PTRACE_SYSEMU with this process as the tracer: ptrace-sysemu.
 * Both children inherit the CPU pinning, so the tracer and the tracee share the CPU, as they would
 * for a ptrace-based compatibility layer on a busy machine.
 *
 * The SIGSYS handler is sud.h's generic one, for SUD and seccomp alike: it writes ALLOW to the
 * selector (x86-64 has no vDSO signal restorer, so the libc restorer outside the region must be able
 * to call rt_sigreturn, kernel-behaviour.md C17/D22; Wine and lazypoline do the same), records
 * siginfo and registers, and sets RAX to the emulated getppid() result. sud-sigsys-restorer measures
 * the other legal design: the same handler leaves the selector at BLOCK and returns through
 * sud_restorer_escape, whose rt_sigreturn runs inside the region.
 */
#include "sud.h"
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <stddef.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/resource.h>
#include <sys/user.h>
#include <time.h>

/* A syscall number no kernel implements (far above NR_syscalls, below the x32 bit): entry and exit only. */
#define BENCH_NR_INVALID 1023L
/* First argument of getppid that makes the seccomp worker's filter return RET_TRAP (getppid ignores it). */
#define BENCH_TRAP_MAGIC 0x5ec7a9L
/* First argument of the tracee's getppid that means "batch done": arg1 = elapsed ns, arg2 = wrong results;
 * the tracer answers with the next batch's call count (0: exit). */
#define BENCH_MARK_MAGIC 0x6d61726bL

/* The baseline gate: sud.h's gate with the `syscall` replaced by a 2-byte nop, so the empty loop pays the
 * same call, register shuffle and return as every measured loop. It returns its first argument. */
long bench_gate_nop(long nr, long a1, long a2, long a3, long a4, long a5, long a6);
__asm__(".text\n"
	".p2align 4\n"
	".globl bench_gate_nop\n"
	".type bench_gate_nop,@function\n"
	"bench_gate_nop:\n"
	"	mov %rdi, %rax\n"
	"	mov %rsi, %rdi\n"
	"	mov %rdx, %rsi\n"
	"	mov %rcx, %rdx\n"
	"	mov %r8, %r10\n"
	"	mov %r9, %r8\n"
	"	mov 8(%rsp), %r9\n"
	"	xchg %ax, %ax\n"
	"	ret\n"
	".size bench_gate_nop, . - bench_gate_nop\n");

enum where { IN_MAIN, IN_SECCOMP, IN_TRACEE };

enum path_id {
	P_BASELINE,
	P_NATIVE,
	P_ENOSYS,
	P_INSIDE,
	P_ALLOW,
	P_SIGSYS,
	P_SIGSYS_RESTORER,
	P_SECCOMP_TRAP,
	P_SECCOMP_ALLOW,
	P_PTRACE,
	P_FLIP,
	P_PRCTL,
	P_COUNT
};

struct path {
	const char *id;
	enum where where;
	int needs_sud;
	const char *what;
};

static const struct path paths[P_COUNT] = {
	[P_BASELINE] = {"baseline", IN_MAIN, 0, "empty loop: the same call through a gate without syscall"},
	[P_NATIVE] = {"native", IN_MAIN, 0, "getppid with SUD off"},
	[P_ENOSYS] = {"native-enosys", IN_MAIN, 0, "an invalid syscall number with SUD off: entry and exit only"},
	[P_INSIDE] = {"armed-inside", IN_MAIN, 1, "getppid armed, from inside the allowed region, selector BLOCK"},
	[P_ALLOW] = {"armed-allow", IN_MAIN, 1, "getppid armed, from outside the region, selector ALLOW"},
	[P_SIGSYS] = {"sud-sigsys", IN_MAIN, 1, "getppid dispatched: SIGSYS, handler emulates, sets ALLOW, rt_sigreturn"},
	[P_SIGSYS_RESTORER] = {"sud-sigsys-restorer", IN_MAIN, 1,
			       "getppid dispatched: SIGSYS, handler emulates, rt_sigreturn from a restorer inside the region"},
	[P_SECCOMP_TRAP] = {"seccomp-trap", IN_SECCOMP, 0, "getppid trapped by a seccomp RET_TRAP filter, same handler"},
	[P_SECCOMP_ALLOW] = {"seccomp-allow", IN_SECCOMP, 0, "getppid through a seccomp filter that returns ALLOW"},
	[P_PTRACE] = {"ptrace-sysemu", IN_TRACEE, 0, "getppid emulated by a tracer process with PTRACE_SYSEMU"},
	[P_FLIP] = {"switch-flip", IN_MAIN, 1, "selector byte BLOCK then ALLOW, then getppid armed with ALLOW"},
	[P_PRCTL] = {"switch-prctl", IN_MAIN, 1, "prctl ON then prctl OFF, then getppid with SUD off"},
};

struct batch {
	uint64_t ns;
	long bad;       /* calls whose result was wrong, or dispatches where none (or another count) was expected */
	long preempted; /* involuntary context switches during the batch: another task took the CPU */
};

static volatile uint8_t *selector;
static long real_ppid;

static inline uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

#define BARRIER() __asm__ __volatile__("" ::: "memory")

/* Involuntary context switches of the calling thread so far (read outside the timed loops). */
static long nivcsw_self(void)
{
	struct rusage ru;
	if (getrusage(RUSAGE_THREAD, &ru))
		return 0;
	return ru.ru_nivcsw;
}

/* The same for another process, from /proc (the tracee cannot make syscalls of its own). */
static long nivcsw_of(pid_t pid)
{
	char path[64], line[256];
	long v = 0;
	snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
	FILE *f = fopen(path, "r");
	if (!f)
		return 0;
	while (fgets(line, sizeof line, f))
		if (sscanf(line, "nonvoluntary_ctxt_switches: %ld", &v) == 1)
			break;
	fclose(f);
	return v;
}

static void arm(uint8_t sel)
{
	*selector = sel;
	struct sud_result r = sud_arm_escape(selector);
	if (r.ret != 0) {
		errno = r.err;
		harness_error("arming SUD for a batch");
	}
}

static void disarm(void)
{
	if (sud_disarm_escape() != 0)
		harness_error("disarming SUD after a batch");
}

/* One timed batch of `n` calls on a path that runs in this process (or, for seccomp paths, in the worker). */
static struct batch run_local(enum path_id p, long n)
{
	struct batch b = {0, 0, 0};
	long before = sud_seen.count, expect_dispatch = 0, r;
	uint64_t t0, t1;
	const long ppid = real_ppid;
	const uint64_t arm_off = sud_addr(sud_gate_escape_insn);
	const uint64_t arm_len = sud_addr(sud_gate_escape_end) - arm_off;

	switch (p) {
	case P_BASELINE:
		t0 = now_ns();
		for (long i = 0; i < n; i++) {
			r = bench_gate_nop(SYS_getppid, 0, 0, 0, 0, 0, 0);
			b.bad += r != SYS_getppid;
		}
		t1 = now_ns();
		break;
	case P_NATIVE:
	case P_SECCOMP_ALLOW:
		t0 = now_ns();
		for (long i = 0; i < n; i++) {
			r = SUD_PROBE0(SYS_getppid);
			b.bad += r != ppid;
		}
		t1 = now_ns();
		break;
	case P_ENOSYS:
		t0 = now_ns();
		for (long i = 0; i < n; i++) {
			r = SUD_PROBE0(BENCH_NR_INVALID);
			b.bad += r != -ENOSYS;
		}
		t1 = now_ns();
		break;
	case P_INSIDE:
		/* BLOCK proves the call is inside the region: outside, every call would be dispatched. */
		arm(SUD_ALLOW);
		t0 = now_ns();
		*selector = SUD_BLOCK;
		for (long i = 0; i < n; i++) {
			r = SUD_ESCAPE0(SYS_getppid);
			b.bad += r != ppid;
		}
		*selector = SUD_ALLOW;
		t1 = now_ns();
		disarm();
		break;
	case P_ALLOW:
		arm(SUD_ALLOW);
		t0 = now_ns();
		for (long i = 0; i < n; i++) {
			r = SUD_PROBE0(SYS_getppid);
			b.bad += r != ppid;
		}
		t1 = now_ns();
		disarm();
		break;
	case P_SIGSYS:
		/* The selector is ALLOW whenever the clock is read; the handler sets ALLOW before its return. */
		arm(SUD_ALLOW);
		expect_dispatch = n;
		t0 = now_ns();
		for (long i = 0; i < n; i++) {
			*selector = SUD_BLOCK;
			r = SUD_PROBE0(SYS_getppid);
			b.bad += r != sud_policy.return_value;
		}
		t1 = now_ns();
		disarm();
		break;
	case P_SIGSYS_RESTORER:
		/* The other legal design (D22): the handler leaves the selector at BLOCK and returns through
		 * sud.h's restorer, whose rt_sigreturn runs from the escape gate inside the region. */
		sud_policy.selector = NULL;
		sud_sigaction_restorer(SIGSYS, sud_sigsys_handler, 0, sud_restorer_escape);
		arm(SUD_ALLOW);
		expect_dispatch = n;
		t0 = now_ns();
		*selector = SUD_BLOCK;
		for (long i = 0; i < n; i++) {
			r = SUD_PROBE0(SYS_getppid);
			b.bad += r != sud_policy.return_value;
		}
		*selector = SUD_ALLOW;
		t1 = now_ns();
		disarm();
		sud_install_sigsys(0);
		sud_policy.selector = selector;
		break;
	case P_SECCOMP_TRAP:
		expect_dispatch = n;
		t0 = now_ns();
		for (long i = 0; i < n; i++) {
			r = sud_gate_probe(SYS_getppid, BENCH_TRAP_MAGIC, 0, 0, 0, 0, 0);
			b.bad += r != sud_policy.return_value;
		}
		t1 = now_ns();
		break;
	case P_FLIP:
		/* Leaving the emulated personality (BLOCK) and coming back (ALLOW) around one native call,
		 * as Wine does with its per-thread selector byte. */
		arm(SUD_ALLOW);
		t0 = now_ns();
		for (long i = 0; i < n; i++) {
			*selector = SUD_BLOCK;
			BARRIER();
			*selector = SUD_ALLOW;
			r = SUD_PROBE0(SYS_getppid);
			b.bad += r != ppid;
		}
		t1 = now_ns();
		disarm();
		break;
	case P_PRCTL:
		/* The same switch done with prctl: arm (BLOCK) and disarm, then the native call with SUD off.
		 * Both prctls go through the escape gate, inside the region, so OFF is not itself dispatched (D23). */
		*selector = SUD_BLOCK;
		t0 = now_ns();
		for (long i = 0; i < n; i++) {
			b.bad += sud_gate_escape(SYS_prctl, SUD_PR_SET, SUD_EXCLUSIVE, arm_off, arm_len, sud_addr(selector), 0) != 0;
			b.bad += sud_gate_escape(SYS_prctl, SUD_PR_SET, SUD_OFF, 0, 0, 0, 0) != 0;
			r = SUD_PROBE0(SYS_getppid);
			b.bad += r != ppid;
		}
		t1 = now_ns();
		*selector = SUD_ALLOW;
		break;
	default:
		harness_error("path %d does not run in this process", (int)p);
	}
	b.ns = t1 - t0;
	long dispatched = sud_seen.count - before;
	if (dispatched != expect_dispatch)
		b.bad += dispatched > expect_dispatch ? dispatched - expect_dispatch : expect_dispatch - dispatched;
	return b;
}

/* ---------------------------------------------------------------- seccomp worker */

struct command {
	int path;
	long n;
};

static pid_t worker_pid = -1;
static int worker_cmd = -1, worker_res = -1;
static char worker_unavailable[200];

static int full_read(int fd, void *buf, size_t len)
{
	char *p = buf;
	while (len) {
		ssize_t r = read(fd, p, len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		p += r;
		len -= (size_t)r;
	}
	return 0;
}

static int full_write(int fd, const void *buf, size_t len)
{
	const char *p = buf;
	while (len) {
		ssize_t r = write(fd, p, len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		p += r;
		len -= (size_t)r;
	}
	return 0;
}

/* getppid with arg0 == BENCH_TRAP_MAGIC -> RET_TRAP; everything else -> ALLOW. The decision for getppid
 * depends on an argument, so the kernel's seccomp action cache cannot skip the filter: it runs on
 * every getppid, as a filter that inspects arguments does. */
static int install_filter(void)
{
	struct sock_filter f[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 1, 0),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_getppid, 1, 0),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, args[0])),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, BENCH_TRAP_MAGIC, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_TRAP),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = {.len = sizeof f / sizeof f[0], .filter = f};
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0))
		return errno;
	if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog, 0, 0))
		return errno;
	return 0;
}

static __attribute__((noreturn)) void worker_main(int cmd, int res)
{
	int err = install_filter();
	real_ppid = SUD_PROBE0(SYS_getppid); /* not libc's getppid(): its rdi is whatever was there */
	sud_policy.return_value = real_ppid;
	if (full_write(res, &err, sizeof err) || err)
		_exit(0);
	struct command c;
	while (!full_read(cmd, &c, sizeof c)) {
		long before = nivcsw_self();
		struct batch b = run_local((enum path_id)c.path, c.n);
		b.preempted = nivcsw_self() - before;
		if (full_write(res, &b, sizeof b))
			break;
	}
	_exit(0);
}

static void worker_start(void)
{
	int to_worker[2], from_worker[2];
	if (pipe(to_worker) || pipe(from_worker))
		harness_error("pipe");
	fflush(stdout);
	pid_t pid = fork();
	if (pid < 0)
		harness_error("fork seccomp worker");
	if (pid == 0) {
		close(to_worker[1]);
		close(from_worker[0]);
		worker_main(to_worker[0], from_worker[1]);
	}
	close(to_worker[0]);
	close(from_worker[1]);
	worker_pid = pid;
	worker_cmd = to_worker[1];
	worker_res = from_worker[0];
	int err;
	if (full_read(worker_res, &err, sizeof err))
		harness_error("seccomp worker died before reporting");
	if (err)
		snprintf(worker_unavailable, sizeof worker_unavailable, "installing the seccomp filter failed with %s",
			 errno_name(err));
}

static struct batch run_worker(enum path_id p, long n)
{
	struct command c = {(int)p, n};
	struct batch b;
	if (full_write(worker_cmd, &c, sizeof c) || full_read(worker_res, &b, sizeof b))
		harness_error("seccomp worker stopped answering");
	return b;
}

static void worker_stop(void)
{
	if (worker_pid < 0)
		return;
	close(worker_cmd);
	close(worker_res);
	int status;
	waitpid(worker_pid, &status, 0);
	worker_pid = -1;
}

/* ---------------------------------------------------------------- ptrace tracee */

static pid_t tracee = -1;
static char tracee_unavailable[200];

static __attribute__((noreturn)) void tracee_main(void)
{
	const long ppid = getppid(); /* what the tracer will answer: its own pid */
	if (ptrace(PTRACE_TRACEME, 0, 0, 0))
		_exit(1);
	/* A raw kill, not raise(): glibc's raise restores the signal mask with a syscall after the stop. */
	sud_gate_escape(SYS_kill, getpid(), SIGSTOP, 0, 0, 0, 0);
	/* From here every syscall stops at entry and is skipped: the only ones are getppid and the marker.
	 * The clock is read through the vDSO; were it to fall back to a syscall, the tracer would say so.
	 * The tracer never answers 0 to the marker: it ends the tracee with SIGKILL. */
	uint64_t last = 0;
	long wrong = 0;
	for (;;) {
		long n = sud_gate_probe(SYS_getppid, BENCH_MARK_MAGIC, (long)last, wrong, 0, 0, 0);
		wrong = 0;
		uint64_t t0 = now_ns();
		for (long i = 0; i < n; i++) {
			long r = SUD_PROBE0(SYS_getppid);
			wrong += r != ppid;
		}
		last = now_ns() - t0;
	}
}

static void tracee_fail(const char *what, int err)
{
	snprintf(tracee_unavailable, sizeof tracee_unavailable, "%s (%s)", what, errno_name(err));
	if (tracee > 0) {
		int status;
		kill(tracee, SIGKILL);
		waitpid(tracee, &status, __WALL);
	}
	tracee = -1;
}

/* Resume the tracee until its next syscall-entry stop; returns 0 or an errno. */
static int tracee_step(struct user_regs_struct *regs)
{
	int status;
	if (ptrace(PTRACE_SYSEMU, tracee, 0, 0))
		return errno;
	if (waitpid(tracee, &status, __WALL) != tracee)
		return errno;
	if (!WIFSTOPPED(status) || WSTOPSIG(status) != (SIGTRAP | 0x80))
		return ECHILD;
	if (ptrace(PTRACE_GETREGS, tracee, 0, regs))
		return errno;
	return 0;
}

static void tracee_start(void)
{
	int status;
	fflush(stdout);
	tracee = fork();
	if (tracee < 0)
		harness_error("fork tracee");
	if (tracee == 0) {
		/* The worker must see EOF on its command pipe when this process closes it. */
		if (worker_cmd >= 0)
			close(worker_cmd);
		if (worker_res >= 0)
			close(worker_res);
		tracee_main();
	}
	if (waitpid(tracee, &status, __WALL) != tracee || !WIFSTOPPED(status)) {
		tracee_fail("the tracee did not stop: PTRACE_TRACEME refused?", errno);
		return;
	}
	if (ptrace(PTRACE_SETOPTIONS, tracee, 0, (void *)(long)(PTRACE_O_TRACESYSGOOD | PTRACE_O_EXITKILL))) {
		tracee_fail("PTRACE_SETOPTIONS failed", errno);
		return;
	}
	struct user_regs_struct regs;
	int e = tracee_step(&regs);
	if (e || regs.orig_rax != SYS_getppid || regs.rdi != BENCH_MARK_MAGIC)
		tracee_fail("PTRACE_SYSEMU did not stop the tracee at its first syscall", e);
}

/* The tracee sits at a marker stop; run one batch of n emulated getppid calls. */
static struct batch run_tracee(long n)
{
	struct batch b = {0, 0, 0};
	struct user_regs_struct regs;
	int e;
	const long before = nivcsw_of(tracee) + nivcsw_self();
	if (ptrace(PTRACE_GETREGS, tracee, 0, &regs))
		harness_error("PTRACE_GETREGS at the marker");
	regs.rax = (unsigned long long)n;
	if (ptrace(PTRACE_SETREGS, tracee, 0, &regs))
		harness_error("PTRACE_SETREGS at the marker");
	long calls = 0;
	const long answer = getpid(); /* the tracee's getppid() */
	for (;;) {
		if ((e = tracee_step(&regs))) {
			errno = e;
			harness_error("PTRACE_SYSEMU step");
		}
		if (regs.orig_rax == SYS_getppid && regs.rdi == BENCH_MARK_MAGIC)
			break;
		if (regs.orig_rax != SYS_getppid) {
			errno = 0;
			harness_error("the tracee made syscall %llu during a batch (vDSO clock fell back to a syscall?)",
				      (unsigned long long)regs.orig_rax);
		}
		regs.rax = (unsigned long long)answer;
		if (ptrace(PTRACE_SETREGS, tracee, 0, &regs))
			harness_error("PTRACE_SETREGS emulating getppid");
		calls++;
	}
	b.ns = regs.rsi;
	b.bad = (long)regs.rdx + (calls != n ? 1 : 0);
	b.preempted = nivcsw_of(tracee) + nivcsw_self() - before;
	return b;
}

static void tracee_stop(void)
{
	if (tracee <= 0)
		return;
	int status;
	kill(tracee, SIGKILL);
	waitpid(tracee, &status, __WALL);
	tracee = -1;
}

/* ---------------------------------------------------------------- the run */

static struct batch run_path(enum path_id p, long n)
{
	switch (paths[p].where) {
	case IN_SECCOMP:
		return run_worker(p, n);
	case IN_TRACEE:
		return run_tracee(n);
	default: {
		long before = nivcsw_self();
		struct batch b = run_local(p, n);
		b.preempted = nivcsw_self() - before;
		return b;
	}
	}
}

static long opt(int argc, char **argv, const char *key, long def)
{
	size_t kl = strlen(key);
	for (int i = 1; i < argc; i++)
		if (!strncmp(argv[i], key, kl) && argv[i][kl] == '=')
			return (long)arg_u64(argv[i] + kl + 1);
	return def;
}

static const char *opt_str(int argc, char **argv, const char *key)
{
	size_t kl = strlen(key);
	for (int i = 1; i < argc; i++)
		if (!strncmp(argv[i], key, kl) && argv[i][kl] == '=')
			return argv[i] + kl + 1;
	return NULL;
}

/* The default CPU: the highest one this process may run on (CPU 0 usually takes most interrupts). */
static long default_cpu(void)
{
	cpu_set_t set;
	if (sched_getaffinity(0, sizeof set, &set))
		harness_error("sched_getaffinity");
	for (int c = CPU_SETSIZE - 1; c >= 0; c--)
		if (CPU_ISSET(c, &set))
			return c;
	return -1;
}

static int pin(long want)
{
	cpu_set_t set;
	if (want == 0x7fffffff)
		want = default_cpu();
	if (want < 0) {
		fact_int("cpu", -1);
		fact_int("cpu.pinned", 0);
		return 0;
	}
	CPU_ZERO(&set);
	CPU_SET(want, &set);
	fact_int("cpu", want);
	if (sched_setaffinity(0, sizeof set, &set)) {
		fact_int("cpu.pinned", 0);
		fact("cpu.error", "%s", errno_name(errno));
		return -1;
	}
	fact_int("cpu.pinned", 1);
	return 0;
}

static int case_list(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	char key[64];
	for (int p = 0; p < P_COUNT; p++) {
		snprintf(key, sizeof key, "path.%s", paths[p].id);
		fact(key, "%s", paths[p].what);
	}
	return 0;
}

static int case_cpu(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fact_int("cpu", default_cpu());
	return 0;
}

static int case_run(int argc, char **argv)
{
	sud_reset_signals();
	int want[P_COUNT] = {0};
	const char *list = opt_str(argc, argv, "paths");
	want[P_BASELINE] = 1;
	if (!list || !*list || !strcmp(list, "all")) {
		for (int p = 0; p < P_COUNT; p++)
			want[p] = 1;
	} else {
		char buf[512];
		snprintf(buf, sizeof buf, "%s", list);
		for (char *save = NULL, *tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
			int found = 0;
			for (int p = 0; p < P_COUNT; p++)
				if (!strcmp(tok, paths[p].id))
					want[p] = found = 1;
			if (!found) {
				errno = 0;
				harness_error("unknown path '%s'", tok);
			}
		}
	}
	const long batch_ns = opt(argc, argv, "batch_ns", 2000000);
	const long warmup = opt(argc, argv, "warmup", 20);
	long max_rounds = opt(argc, argv, "rounds", 100000);
	const long budget_ms = opt(argc, argv, "budget_ms", 40000);
	const long cpu = opt(argc, argv, "cpu", 0x7fffffff);
	if (batch_ns < 1000 || warmup < 0 || max_rounds < 1 || max_rounds > 1000000 || budget_ms < 1) {
		errno = 0;
		harness_error("bad option value");
	}
	pin(cpu);

	real_ppid = getppid();
	fact_int("ppid", real_ppid);
	selector = sud_selector_page(SUD_ALLOW);
	sud_install_sigsys(0);
	sud_policy.selector = selector;
	sud_policy.set_return = 1;
	sud_policy.return_value = real_ppid;

	char why[P_COUNT][200];
	memset(why, 0, sizeof why);
	struct sud_result probe = sud_prctl(SUD_OFF, 0, 0, 0);
	for (int p = 0; p < P_COUNT; p++)
		if (want[p] && paths[p].needs_sud && probe.ret != 0)
			snprintf(why[p], sizeof why[p], "no Syscall User Dispatch: prctl(59, OFF) failed with %s",
				 errno_name(probe.err));
	if (want[P_SECCOMP_TRAP] || want[P_SECCOMP_ALLOW]) {
		worker_start();
		if (worker_unavailable[0]) {
			snprintf(why[P_SECCOMP_TRAP], sizeof why[0], "%s", worker_unavailable);
			snprintf(why[P_SECCOMP_ALLOW], sizeof why[0], "%s", worker_unavailable);
		}
	}
	if (want[P_PTRACE]) {
		tracee_start();
		if (tracee_unavailable[0])
			snprintf(why[P_PTRACE], sizeof why[0], "%s", tracee_unavailable);
	}

	int active[P_COUNT], na = 0;
	for (int p = 0; p < P_COUNT; p++)
		if (want[p] && !why[p][0])
			active[na++] = p;

	/* Calibrate: double the call count until a batch lasts a quarter of the target, then scale by the
	 * fastest of three batches of that size (one preempted batch must not shrink every later batch). */
	long iters[P_COUNT] = {0};
	for (int k = 0; k < na; k++) {
		int p = active[k];
		long n = 8;
		for (;;) {
			struct batch b = run_path((enum path_id)p, n);
			if (b.bad) {
				errno = 0;
				harness_error("path %s: %ld wrong results while calibrating", paths[p].id, b.bad);
			}
			if (b.ns >= (uint64_t)batch_ns / 4 || n >= (1L << 30)) {
				uint64_t best = b.ns;
				for (int again = 0; again < 2; again++) {
					struct batch c = run_path((enum path_id)p, n);
					if (c.ns < best)
						best = c.ns;
				}
				double per = (double)best / (double)n;
				n = per > 0 ? (long)((double)batch_ns / per) : n;
				break;
			}
			n *= 2;
		}
		iters[p] = n < 1 ? 1 : n;
	}

	double *samples = calloc((size_t)max_rounds * P_COUNT, sizeof *samples);
	if (!samples)
		harness_error("calloc samples");
	const uint64_t start = now_ns();
	long measured = 0, preempted[P_COUNT] = {0};
	for (long round = 0; na && measured < max_rounds; round++) {
		int is_warmup = round < warmup;
		for (int k = 0; k < na; k++) {
			int p = active[(round + k) % na];
			struct batch b = run_path((enum path_id)p, iters[p]);
			if (b.bad) {
				errno = 0;
				harness_error("path %s: %ld wrong results or unexpected dispatches in a batch", paths[p].id,
					      b.bad);
			}
			if (!is_warmup) {
				samples[(size_t)measured * P_COUNT + (size_t)p] = (double)b.ns / (double)iters[p];
				preempted[p] += b.preempted > 0;
			}
		}
		if (is_warmup)
			continue;
		measured++;
		if (measured >= 5 && now_ns() - start > (uint64_t)budget_ms * 1000000ULL)
			break;
	}
	tracee_stop();
	worker_stop();

	fact_int("rounds.warmup", warmup);
	fact_int("rounds.measured", measured);
	fact_int("batch_ns", batch_ns);
	fact_int("elapsed_ns", (long long)(now_ns() - start));
	char key[64];
	for (int p = 0; p < P_COUNT; p++) {
		if (!want[p])
			continue;
		if (why[p][0]) {
			snprintf(key, sizeof key, "unavailable.%s", paths[p].id);
			fact(key, "%s", why[p]);
			continue;
		}
		snprintf(key, sizeof key, "iters.%s", paths[p].id);
		fact_int(key, iters[p]);
		snprintf(key, sizeof key, "preempted.%s", paths[p].id);
		fact_int(key, preempted[p]);
		snprintf(key, sizeof key, "samples.%s", paths[p].id);
		printf("%s=", key);
		for (long r = 0; r < measured; r++)
			printf("%s%.3f", r ? "," : "", samples[(size_t)r * P_COUNT + (size_t)p]);
		putchar('\n');
		fflush(stdout);
	}
	free(samples);
	return 0;
}

static const struct sud_case cases[] = {
	{"list", case_list, ""},
	{"cpu", case_cpu, "(prints the CPU `run` pins to by default)"},
	{"run", case_run, "[paths=a,b] [batch_ns=N] [warmup=N] [rounds=N] [budget_ms=N] [cpu=N|-1]"},
};

SUD_MAIN(cases)
