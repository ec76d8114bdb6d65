/* order: Syscall User Dispatch against the other syscall work: seccomp, ptrace, the raw_syscalls
 * tracepoints, rseq, and syscall restarting (kernel-behaviour.md E24-E27), plus the x86 signal code's
 * rewriting of a dispatched syscall whose number is an internal restart code (C14 with E27).
 *
 *   order seccomp kill|errno|trap        (E24) forked child: filter on getppid, a BLOCK call, then an ALLOW call
 *       facts: child.filter.ret, arm.*, block.ret, block.sigsys.*, allow.ret, allow.sigsys.*, child.phase,
 *              child.exit|child.signal
 *   order ptrace syscall|sysemu          (E25) forked tracee: a dispatched getppid between int3 markers 1-2,
 *                                        a native one between markers 2-3
 *       facts: gate.probe_after, parent.pid, dispatched.stops, native.stops, tracer.markers, child.arm.*,
 *              child.dispatched.ret, child.dispatched.sigsys.*, child.native.ret, child.exit|child.signal
 *   order tracepoint                     (E25) raw_syscalls sys_enter/sys_exit events in a private tracefs
 *                                        instance, for a dispatched then a native call of an unassigned number
 *       facts: tracefs.dir, arm.*, sigsys.*, dispatched.sys_enter, dispatched.sys_exit, native.ret,
 *              native.sys_enter, native.sys_exit
 *   order rseq                           (E26) a syscall inside an rseq critical section: a native tgkill
 *                                        (control) and a dispatched getppid
 *       facts: rseq.registration, gate.cs_start, gate.cs_after, gate.cs_post_commit, gate.cs_abort,
 *              control.ret, control.usr1.count, control.usr1.rip, arm.*, call.ret, sigsys.*
 *   order read-restart sa-restart|no-restart   (E27) a read() on an empty pipe interrupted by SIGUSR1 (sent
 *                                        by a thread once the read is seen blocked), whose handler sets BLOCK
 *       facts: gate.probe_insn, gate.probe_after, pipe.rfd, arm.*, usr1.count, usr1.rip, usr1.rax,
 *              read.ret, read.sigsys.count, control.ret (no-restart), sigsys.*
 *   order nanosleep-restart              (E27) a forked child's nanosleep stopped with SIGSTOP, its selector
 *                                        (a shared page) set to BLOCK by the parent, continued with SIGCONT
 *       facts: gate.probe_after, child.arm.*, parent.stopped, parent.stopsig, parent.native_restart,
 *              child.sleep.ret, child.sigsys.*, child.usr2.count, child.exit|child.signal
 *   order restart-code CODE [sa-restart] [set-return VALUE]   (C14, E27) one dispatched call whose number
 *                                        is CODE (e.g. -512)
 *       facts: process.ppid, gate.probe_insn, gate.probe_after, arm.*, call.ret (decimal), sigsys.*
 *
 * From sud.h: sud_restorer_escape, so a handler that leaves the selector at BLOCK can return (D22).
 * Helper of this file only: order_rseq_gate, a syscall gate whose instruction sits inside an rseq
 * critical section.
 */
#include "sud.h"
#include <fcntl.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/futex.h>
#include <linux/seccomp.h>
#include <pthread.h>
#include <sched.h>
#include <stddef.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/rseq.h>
#include <sys/stat.h>
#include <sys/user.h>
#include <time.h>

/* ---------------------------------------------------------------- helpers of this file */

/* A child that skipped or broke has printed its skip=/error= line: end the same way. */
static void propagate_child_verdict(int status)
{
	if (WIFEXITED(status) && (WEXITSTATUS(status) == SUD_EXIT_SKIP || WEXITSTATUS(status) == SUD_EXIT_HARNESS))
		_exit(WEXITSTATUS(status));
}

static void reap(pid_t pid, int *status, int flags)
{
	pid_t w;
	do
		w = waitpid(pid, status, flags);
	while (w < 0 && errno == EINTR);
	if (w != pid)
		harness_error("waitpid(%d)", (int)pid);
}

/* A page shared with forked children (MAP_SHARED), zero-filled. */
static void *shared_page(void)
{
	void *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		harness_error("mmap shared page");
	return p;
}

/* What /proc/<pid>/task/<tid>/syscall says: the syscall a blocked task is in, its first argument and its
 * user IP (the address after the syscall instruction). Returns 0 when the task is blocked in a syscall,
 * -1 when it is running, in user space, or gone. */
struct proc_syscall {
	long nr;
	uint64_t a1, pc;
};

static int read_proc_syscall(pid_t pid, pid_t tid, struct proc_syscall *ps)
{
	char path[96], buf[256];
	snprintf(path, sizeof path, "/proc/%d/task/%d/syscall", (int)pid, (int)tid);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	ssize_t n = read(fd, buf, sizeof buf - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = 0;
	unsigned long long a[8];
	/* "nr a1 a2 a3 a4 a5 a6 sp pc" while blocked; "-1 sp pc" in user space; "running" */
	if (sscanf(buf, "%ld 0x%llx 0x%llx 0x%llx 0x%llx 0x%llx 0x%llx 0x%llx 0x%llx", &ps->nr, &a[0], &a[1], &a[2], &a[3],
		   &a[4], &a[5], &a[6], &a[7]) != 9)
		return -1;
	ps->a1 = a[0];
	ps->pc = a[7];
	return 0;
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Polls (with sched_yield, no sleep) until tid of pid is blocked in syscall nr from the probe gate.
 * The bound only turns a broken fixture into ERROR instead of a hang. */
static void wait_blocked_in_probe(pid_t pid, pid_t tid, long nr)
{
	double deadline = now_s() + 5.0;
	struct proc_syscall ps;
	while (!(read_proc_syscall(pid, tid, &ps) == 0 && ps.nr == nr && ps.pc == sud_addr(sud_gate_probe_after))) {
		if (now_s() > deadline)
			harness_error("task %d never blocked in syscall %ld at the probe gate", (int)tid, nr);
		sched_yield();
	}
}

/* ---------------------------------------------------------------- seccomp (E24)
 * A forked child installs (after PR_SET_NO_NEW_PRIVS) a filter that gives ACTION to getppid and allows
 * everything else, arms with a BLOCK selector and the escape gate as region, and makes two getppid calls
 * through the probe gate: first with the selector at BLOCK (dispatched: seccomp must not be consulted),
 * then with ALLOW (the filter applies). The child counts its progress in a shared page, so the parent can
 * say how far it got even when the kernel killed it (child.phase: 1 = the BLOCK call was made, 2 = it
 * returned, 3 = the ALLOW call returned). */
static int case_seccomp(int argc, char **argv)
{
	if (argc != 2)
		harness_error("usage: seccomp kill|errno|trap");
	uint32_t action;
	if (!strcmp(argv[1], "kill"))
		action = SECCOMP_RET_KILL_PROCESS;
	else if (!strcmp(argv[1], "errno"))
		action = SECCOMP_RET_ERRNO | (EACCES & SECCOMP_RET_DATA);
	else if (!strcmp(argv[1], "trap"))
		action = SECCOMP_RET_TRAP;
	else
		harness_error("unknown seccomp action '%s'", argv[1]);

	sud_reset_signals();
	sud_require();
	fact_hex("gate.probe_after", sud_addr(sud_gate_probe_after));
	volatile int *phase = shared_page();

	pid_t child = fork();
	if (child < 0)
		harness_error("fork");
	if (child == 0) {
		volatile uint8_t *sel = sud_selector_page(SUD_ALLOW);
		sud_install_sigsys(0);
		sud_policy.selector = sel; /* the handler writes ALLOW: the libc restorer may then run */

		struct sock_filter filter[] = {
			BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
			BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 1, 0),
			BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
			BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
			BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_getppid, 0, 1),
			BPF_STMT(BPF_RET | BPF_K, action),
			BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
		};
		struct sock_fprog prog = {sizeof filter / sizeof filter[0], filter};
		if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0))
			harness_error("PR_SET_NO_NEW_PRIVS");
		if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog))
			harness_error("seccomp(SECCOMP_SET_MODE_FILTER)");
		fact_int("child.filter.ret", 0);

		struct sud_result arm = sud_arm_escape(sel);
		fact_result("arm", arm);

		/* BLOCK: nothing but the probe call until the handler has written ALLOW back. */
		*phase = 1;
		*sel = SUD_BLOCK;
		long ret = SUD_PROBE0(SYS_getppid);
		*phase = 2;
		*sel = SUD_ALLOW; /* the handler did already, if it ran */
		fact_int("block.ret", ret);
		fact_sigsys("block.sigsys");

		memset((void *)&sud_seen, 0, sizeof sud_seen);
		ret = SUD_PROBE0(SYS_getppid); /* KILL ends the child here */
		*phase = 3;
		fact_int("allow.ret", ret);
		fact_sigsys("allow.sigsys");
		sud_disarm_escape();
		_exit(0);
	}
	int status;
	reap(child, &status, 0);
	propagate_child_verdict(status);
	fact_int("child.phase", *phase);
	fact_wait_status("child", status);
	return SUD_EXIT_RAN;
}

/* ---------------------------------------------------------------- ptrace (E25)
 * The child (PTRACE_TRACEME) arms with the selector at ALLOW, then marks its steps with int3 (a SIGTRAP
 * with si_code SI_KERNEL: no syscall, so no stop of its own besides the signal stop):
 *   int3 #1; selector BLOCK; getppid through the probe gate (dispatched); int3 #2;
 *   selector ALLOW; getppid through the probe gate (native: the control); int3 #3; disarm, facts, exit.
 * The tracer resumes with MODE (PTRACE_SYSCALL or PTRACE_SYSEMU) between markers 1 and 3, and with
 * PTRACE_CONT elsewhere. It records, per interval, the stops that concern the probe gate, in order:
 *   entry:<nr>    a syscall-entry stop at the probe gate (PTRACE_SYSCALL)
 *   exit:<nr>     a syscall-exit stop at the probe gate whose orig_rax is not -1 (rt_sigreturn returning
 *                 to the gate has orig_rax -1 and is the handler's, not the probe's)
 *   sysemu:<nr>   a PTRACE_SYSEMU stop at the probe gate; the tracer emulates: rax = 0x5e5, syscall skipped
 *   signal:<signo>:<si_code>:<si_syscall>   a signal-delivery stop (passed on to the child)
 * "none" when an interval had none. Under PTRACE_SYSEMU every syscall is skipped, so after the interval's
 * first recorded stop the tracer goes on with PTRACE_CONT (the SIGSYS handler's rt_sigreturn must run). */
#define ORDER_SYSEMU_RET 0x5e5

static void append_event(char *buf, size_t size, const char *fmt, ...)
{
	size_t len = strlen(buf);
	if (len && len + 1 < size)
		buf[len++] = ',', buf[len] = 0;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf + len, size - len, fmt, ap);
	va_end(ap);
}

static int case_ptrace(int argc, char **argv)
{
	if (argc != 2 || (strcmp(argv[1], "syscall") && strcmp(argv[1], "sysemu")))
		harness_error("usage: ptrace syscall|sysemu");
	int sysemu = !strcmp(argv[1], "sysemu");
	enum __ptrace_request mode = sysemu ? PTRACE_SYSEMU : PTRACE_SYSCALL;

	sud_reset_signals();
	sud_require();
	uint64_t after = sud_addr(sud_gate_probe_after);
	fact_hex("gate.probe_after", after);
	fact_hex("parent.pid", (uint64_t)getpid());

	pid_t child = fork();
	if (child < 0)
		harness_error("fork");
	if (child == 0) {
		if (ptrace(PTRACE_TRACEME, 0, 0, 0))
			harness_error("PTRACE_TRACEME");
		volatile uint8_t *sel = sud_selector_page(SUD_ALLOW);
		sud_install_sigsys(0);
		sud_policy.selector = sel;
		struct sud_result arm = sud_arm_escape(sel);

		__asm__ volatile("int3" ::: "memory"); /* marker 1 */
		*sel = SUD_BLOCK;
		long dispatched = SUD_PROBE0(SYS_getppid);
		struct sud_sigsys_record seen = sud_seen;
		__asm__ volatile("int3" ::: "memory"); /* marker 2 */
		*sel = SUD_ALLOW;
		memset((void *)&sud_seen, 0, sizeof sud_seen);
		long native = SUD_PROBE0(SYS_getppid);
		__asm__ volatile("int3" ::: "memory"); /* marker 3 */
		sud_disarm_escape();

		fact_result("child.arm", arm);
		fact_hex("child.dispatched.ret", (uint64_t)dispatched);
		sud_seen = seen;
		fact_sigsys("child.dispatched.sigsys");
		fact_hex("child.native.ret", (uint64_t)native);
		_exit(0);
	}

	char events[2][256] = {"", ""};
	int markers = 0, cont = 0, status;
	for (;;) {
		reap(child, &status, __WALL);
		if (WIFEXITED(status) || WIFSIGNALED(status))
			break;
		if (!WIFSTOPPED(status))
			continue;
		int sig = WSTOPSIG(status), inject = 0;
		char *ev = markers == 1 || markers == 2 ? events[markers - 1] : NULL;
		if (sig == (SIGTRAP | 0x80)) {
			struct user_regs_struct regs;
			struct __ptrace_syscall_info info;
			if (ptrace(PTRACE_GETREGS, child, 0, &regs))
				harness_error("PTRACE_GETREGS");
			memset(&info, 0, sizeof info);
			if (ptrace(PTRACE_GET_SYSCALL_INFO, child, (void *)sizeof info, &info) <= 0)
				harness_error("PTRACE_GET_SYSCALL_INFO");
			int at_probe = regs.rip == after;
			int entry = info.op == PTRACE_SYSCALL_INFO_ENTRY;
			if (ev && at_probe && entry)
				append_event(ev, sizeof events[0], "%s:%lld", sysemu ? "sysemu" : "entry", (long long)regs.orig_rax);
			else if (ev && at_probe && (long long)regs.orig_rax != -1)
				append_event(ev, sizeof events[0], "exit:%lld", (long long)regs.orig_rax);
			if (sysemu && entry) {
				regs.rax = ORDER_SYSEMU_RET;
				if (ptrace(PTRACE_SETREGS, child, 0, &regs))
					harness_error("PTRACE_SETREGS");
				cont = 1;
			}
		} else {
			siginfo_t si;
			if (ptrace(PTRACE_GETSIGINFO, child, 0, &si))
				harness_error("PTRACE_GETSIGINFO");
			if (sig == SIGTRAP && si.si_code == SI_KERNEL) {
				markers++;
				cont = 0;
				if (markers == 1 &&
				    ptrace(PTRACE_SETOPTIONS, child, 0, (void *)(long)(PTRACE_O_TRACESYSGOOD | PTRACE_O_EXITKILL)))
					harness_error("PTRACE_SETOPTIONS");
			} else {
				if (ev)
					append_event(ev, sizeof events[0], "signal:%d:%d:%d", si.si_signo, si.si_code,
						     sig == SIGSYS ? si.si_syscall : 0);
				inject = sig;
				if (sysemu)
					cont = 1;
			}
		}
		int tracing = (markers == 1 || markers == 2) && !cont;
		if (ptrace(tracing ? mode : PTRACE_CONT, child, 0, (void *)(long)inject))
			harness_error("ptrace resume");
	}
	propagate_child_verdict(status);
	fact_int("tracer.markers", markers);
	fact("dispatched.stops", "%s", events[0][0] ? events[0] : "none");
	fact("native.stops", "%s", events[1][0] ? events[1] : "none");
	fact_wait_status("child", status);
	return SUD_EXIT_RAN;
}

/* ---------------------------------------------------------------- raw_syscalls tracepoints (E25)
 * Needs root and a mounted tracefs; the fixture never mounts it (it skips instead). It makes a private
 * tracing instance (instances/sudcheck-order-<pid>), so the global buffer and anybody else's tracing are
 * left alone, filters raw_syscalls:sys_enter and sys_exit to this pid and one unassigned syscall number,
 * and counts the events after a dispatched call and after a native call of that number (ENOSYS). The
 * instance is removed at the end, also when a setup step fails. */
#define ORDER_TRACE_NR 4919 /* 0x1337: no syscall has it, nothing else makes it */

static char tp_instance[256];

static int tp_write(const char *rel, const char *text)
{
	char path[512];
	snprintf(path, sizeof path, "%s/%s", tp_instance, rel);
	int fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC);
	if (fd < 0)
		return errno;
	ssize_t n = write(fd, text, strlen(text));
	int e = n == (ssize_t)strlen(text) ? 0 : (n < 0 ? errno : EIO);
	close(fd);
	return e;
}

static void tp_cleanup(void)
{
	if (!tp_instance[0])
		return;
	tp_write("events/raw_syscalls/sys_enter/enable", "0");
	tp_write("events/raw_syscalls/sys_exit/enable", "0");
	rmdir(tp_instance);
	tp_instance[0] = 0;
}

#define TP_FAIL(...)                               \
	do {                                       \
		int e_ = errno;                    \
		tp_cleanup();                      \
		errno = e_;                        \
		harness_error(__VA_ARGS__);        \
	} while (0)

/* Counts the instance's recorded sys_enter and sys_exit events for ORDER_TRACE_NR. */
static void tp_count(long *enter, long *exit_)
{
	char path[512];
	snprintf(path, sizeof path, "%s/trace", tp_instance);
	FILE *f = fopen(path, "r");
	if (!f)
		TP_FAIL("open %s", path);
	char line[1024], want_enter[64], want_exit[64];
	snprintf(want_enter, sizeof want_enter, "sys_enter: NR %d ", ORDER_TRACE_NR);
	snprintf(want_exit, sizeof want_exit, "sys_exit: NR %d ", ORDER_TRACE_NR);
	*enter = *exit_ = 0;
	while (fgets(line, sizeof line, f)) {
		if (line[0] == '#')
			continue;
		if (strstr(line, want_enter))
			++*enter;
		else if (strstr(line, want_exit))
			++*exit_;
	}
	fclose(f);
}

static int case_tracepoint(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	sud_reset_signals();
	sud_require();
	if (geteuid() != 0)
		skip("not running as root: the raw_syscalls tracepoints cannot be enabled");
	const char *dirs[] = {"/sys/kernel/tracing", "/sys/kernel/debug/tracing"}, *dir = NULL;
	for (size_t i = 0; i < 2 && !dir; i++) {
		char path[128];
		snprintf(path, sizeof path, "%s/events/raw_syscalls/enable", dirs[i]);
		if (access(path, W_OK) == 0)
			dir = dirs[i];
	}
	if (!dir)
		skip("tracefs with raw_syscalls events is not mounted (tried /sys/kernel/tracing and /sys/kernel/debug/tracing); "
		     "the fixture does not mount it");
	fact("tracefs.dir", "%s", dir);

	snprintf(tp_instance, sizeof tp_instance, "%s/instances/sudcheck-order-%d", dir, (int)getpid());
	if (mkdir(tp_instance, 0700)) {
		int e = errno;
		tp_instance[0] = 0;
		if (e == ENOENT || e == EPERM || e == EACCES)
			skip("cannot make a tracefs instance under %s/instances (%s)", dir, errno_name(e));
		errno = e;
		harness_error("mkdir tracefs instance");
	}
	char filter[128];
	snprintf(filter, sizeof filter, "common_pid == %d && id == %d", (int)getpid(), ORDER_TRACE_NR);
	const char *events[] = {"events/raw_syscalls/sys_enter", "events/raw_syscalls/sys_exit"};
	for (int i = 0; i < 2; i++) {
		char rel[128];
		snprintf(rel, sizeof rel, "%s/filter", events[i]);
		if ((errno = tp_write(rel, filter)))
			TP_FAIL("write %s", rel);
		snprintf(rel, sizeof rel, "%s/enable", events[i]);
		if ((errno = tp_write(rel, "1")))
			TP_FAIL("write %s", rel);
	}
	if ((errno = tp_write("tracing_on", "1")))
		TP_FAIL("write tracing_on");

	volatile uint8_t *sel = sud_selector_page(SUD_BLOCK);
	sud_install_sigsys(0);
	sud_policy.selector = sel;
	struct sud_result arm = sud_arm_escape(sel);
	SUD_PROBE0(ORDER_TRACE_NR); /* dispatched; the handler writes ALLOW */
	long d_enter, d_exit, n_enter, n_exit;
	tp_count(&d_enter, &d_exit);
	*sel = SUD_ALLOW;
	long native = SUD_PROBE0(ORDER_TRACE_NR); /* native: ENOSYS, but traced */
	tp_count(&n_enter, &n_exit);
	sud_disarm_escape();
	tp_cleanup();

	fact_result("arm", arm);
	fact_sigsys("sigsys");
	fact_int("dispatched.sys_enter", d_enter);
	fact_int("dispatched.sys_exit", d_exit);
	fact_int("native.ret", native);
	fact_int("native.sys_enter", n_enter - d_enter);
	fact_int("native.sys_exit", n_exit - d_exit);
	return SUD_EXIT_RAN;
}

/* ---------------------------------------------------------------- rseq (E26)
 * order_rseq_gate(nr, a1, a2, a3, &rseq->rseq_cs, &descriptor) makes one syscall inside an rseq critical
 * section: [order_rseq_start, order_rseq_post_commit). The first instruction of the section stores the
 * descriptor's address in the thread's rseq_cs (so a preemption before it cannot leave a stale section,
 * and one after it aborts), then comes the syscall; its post-syscall IP, order_rseq_after, is inside the
 * section because a nop follows before the post-commit label. The abort handler, after the RSEQ_SIG
 * signature, returns ORDER_RSEQ_ABORTED; the normal path returns the syscall's rax.
 * The syscall clobbers rcx and r11 only after the store; r8/r9 go to the kernel as harmless arguments. */
#define ORDER_RSEQ_ABORTED 0xab047
long order_rseq_gate(long nr, long a1, long a2, long a3, volatile uint64_t *rseq_cs_field, const void *descriptor);
extern const char order_rseq_start[], order_rseq_insn[], order_rseq_after[], order_rseq_post_commit[], order_rseq_abort[];
__asm__(".text\n"
	".p2align 4\n"
	".globl order_rseq_gate\n"
	".type order_rseq_gate,@function\n"
	"order_rseq_gate:\n"
	"	mov %rdi, %rax\n"
	"	mov %rsi, %rdi\n"
	"	mov %rdx, %rsi\n"
	"	mov %rcx, %rdx\n"
	".globl order_rseq_start\n"
	"order_rseq_start:\n"
	"	mov %r9, (%r8)\n"
	".globl order_rseq_insn\n"
	"order_rseq_insn:\n"
	"	syscall\n"
	".globl order_rseq_after\n"
	"order_rseq_after:\n"
	"	nop\n"
	".globl order_rseq_post_commit\n"
	"order_rseq_post_commit:\n"
	"	ret\n"
	"	.byte 0x0f, 0xb9, 0x3d\n" /* ud1 <sig>(%rip),%edi: the signature as a harmless instruction */
	"	.long 0x53053053\n"      /* RSEQ_SIG, the 4 bytes before the abort handler */
	".globl order_rseq_abort\n"
	"order_rseq_abort:\n"
	"	mov $0xab047, %eax\n"
	"	ret\n"
	".size order_rseq_gate, . - order_rseq_gate\n");
_Static_assert(RSEQ_SIG == 0x53053053, "order_rseq_gate hard-codes the x86 RSEQ_SIG");

static struct rseq_cs order_rseq_desc;
static __thread struct rseq order_own_rseq __attribute__((aligned(32)));

static volatile sig_atomic_t usr1_count;
static uint64_t usr1_rip, usr1_rax;

static void usr1_record(int sig, siginfo_t *info, void *uc_)
{
	(void)sig;
	(void)info;
	greg_t *g = ((ucontext_t *)uc_)->uc_mcontext.gregs;
	usr1_rip = (uint64_t)g[REG_RIP];
	usr1_rax = (uint64_t)g[REG_RAX];
	usr1_count++;
}

/* The calling thread's rseq area: glibc's registration when it made one, else our own. */
static struct rseq *rseq_area(const char **how)
{
	if (__rseq_size > 0) {
		uintptr_t tp;
		__asm__("mov %%fs:0, %0" : "=r"(tp));
		struct rseq *r = (struct rseq *)(tp + __rseq_offset);
		if ((int32_t)r->cpu_id >= 0) {
			*how = "glibc";
			return r;
		}
	}
	struct rseq *own = &order_own_rseq;
	memset(own, 0, sizeof *own);
	own->cpu_id = (uint32_t)RSEQ_CPU_ID_UNINITIALIZED;
	if (syscall(SYS_rseq, own, 32, 0, RSEQ_SIG))
		skip("no rseq area: glibc registered none (__rseq_size %u) and rseq(2) registration failed with %s",
		     __rseq_size, errno_name(errno));
	*how = "own";
	return own;
}

static int case_rseq(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	sud_reset_signals();
	sud_require();
	const char *how;
	struct rseq *area = rseq_area(&how);
	volatile uint64_t *cs_field = (volatile uint64_t *)&area->rseq_cs;
	fact("rseq.registration", "%s", how);

	order_rseq_desc.version = 0;
	order_rseq_desc.flags = 0;
	order_rseq_desc.start_ip = sud_addr(order_rseq_start);
	order_rseq_desc.post_commit_offset = sud_addr(order_rseq_post_commit) - sud_addr(order_rseq_start);
	order_rseq_desc.abort_ip = sud_addr(order_rseq_abort);
	fact_hex("gate.cs_start", sud_addr(order_rseq_start));
	fact_hex("gate.cs_after", sud_addr(order_rseq_after));
	fact_hex("gate.cs_post_commit", sud_addr(order_rseq_post_commit));
	fact_hex("gate.cs_abort", sud_addr(order_rseq_abort));

	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_sigaction = usr1_record;
	sa.sa_flags = SA_SIGINFO;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGUSR1, &sa, NULL))
		harness_error("sigaction(SIGUSR1)");
	volatile uint8_t *sel = sud_selector_page(SUD_ALLOW);
	sud_install_sigsys(0);
	sud_policy.selector = sel;
	struct sud_result arm = sud_arm_escape(sel);

	/* Control (selector ALLOW, native): a tgkill to itself from inside the section. The signal is delivered
	 * on the way out of the syscall, with the IP at order_rseq_after: the section is aborted, which shows
	 * the area and descriptor are live. A preemption between the store and the syscall would abort before
	 * the syscall (nothing sent): retried, at most 3 times. */
	long pid = getpid(), tid = syscall(SYS_gettid), control = 0;
	int attempts = 0;
	while (!usr1_count && attempts < 3) {
		attempts++;
		control = order_rseq_gate(SYS_tgkill, pid, tid, SIGUSR1, cs_field, &order_rseq_desc);
		*cs_field = 0;
	}

	/* The case: the same section, the same instruction, dispatched (selector BLOCK). */
	long ret = 0;
	int tries = 0;
	while (!sud_seen.count && tries < 3) {
		tries++;
		*sel = SUD_BLOCK;
		ret = order_rseq_gate(SYS_getppid, 0, 0, 0, cs_field, &order_rseq_desc);
		*sel = SUD_ALLOW; /* the handler did already, if it ran */
		*cs_field = 0;
	}
	sud_disarm_escape();

	fact_hex("control.ret", (uint64_t)control);
	fact_int("control.usr1.count", usr1_count);
	if (usr1_count)
		fact_hex("control.usr1.rip", usr1_rip);
	fact_int("control.attempts", attempts);
	fact_result("arm", arm);
	fact_hex("call.ret", (uint64_t)ret);
	fact_int("call.attempts", tries);
	fact_sigsys("sigsys");
	return SUD_EXIT_RAN;
}

/* ---------------------------------------------------------------- restarts (E27)
 * read-restart: the main thread, armed with the selector at ALLOW, reads one byte from an empty pipe
 * through the probe gate. A helper thread (never armed: F28) waits until /proc shows the main thread
 * blocked in read() at the probe gate, then sends it SIGUSR1 with tgkill. The SIGUSR1 handler (SA_RESTART
 * or not, returning through sud_restorer_escape) records what it was handed (RIP, RAX), writes BLOCK to the
 * selector and wakes the helper through the escape gate. The helper then writes one byte into the pipe:
 * a restarted read that the kernel wrongly runs natively returns 1 instead of hanging. With SA_RESTART
 * the read restarts at the probe instruction with the selector now BLOCK: dispatched (si_syscall 0), and
 * the generic handler makes it return 0x5ad. Without SA_RESTART the read returns -EINTR and nothing is
 * restarted; the next probe call (getppid) is the control that shows the task was armed. */
#define ORDER_HANDLER_RET 0x5ad

static volatile uint8_t *rr_sel;
static int rr_woken; /* futex word */
static int rr_pipe[2];
static pid_t rr_main_tid;

static void rr_usr1(int sig, siginfo_t *info, void *uc)
{
	usr1_record(sig, info, uc);
	*rr_sel = SUD_BLOCK;
	__atomic_store_n(&rr_woken, 1, __ATOMIC_SEQ_CST);
	sud_gate_escape(SYS_futex, (long)&rr_woken, FUTEX_WAKE_PRIVATE, 1, 0, 0, 0);
}

static void *rr_helper(void *unused)
{
	(void)unused;
	wait_blocked_in_probe(getpid(), rr_main_tid, SYS_read);
	if (syscall(SYS_tgkill, getpid(), rr_main_tid, SIGUSR1))
		harness_error("tgkill");
	while (!__atomic_load_n(&rr_woken, __ATOMIC_SEQ_CST))
		syscall(SYS_futex, &rr_woken, FUTEX_WAIT_PRIVATE, 0, NULL, NULL, 0);
	if (write(rr_pipe[1], "x", 1) != 1)
		harness_error("write to the pipe");
	return NULL;
}

static int case_read_restart(int argc, char **argv)
{
	if (argc != 2 || (strcmp(argv[1], "sa-restart") && strcmp(argv[1], "no-restart")))
		harness_error("usage: read-restart sa-restart|no-restart");
	int restart = !strcmp(argv[1], "sa-restart");
	sud_reset_signals();
	sud_require();
	if (pipe2(rr_pipe, O_CLOEXEC))
		harness_error("pipe");
	fact_hex("gate.probe_insn", sud_addr(sud_gate_probe_insn));
	fact_hex("gate.probe_after", sud_addr(sud_gate_probe_after));
	fact_hex("pipe.rfd", (uint64_t)rr_pipe[0]);

	rr_sel = sud_selector_page(SUD_ALLOW);
	sud_install_sigsys(0);
	sud_policy.selector = rr_sel;
	sud_policy.set_return = 1;
	sud_policy.return_value = ORDER_HANDLER_RET;
	sud_sigaction_restorer(SIGUSR1, rr_usr1, restart ? SA_RESTART : 0, sud_restorer_escape);
	rr_main_tid = (pid_t)syscall(SYS_gettid);
	struct sud_result arm = sud_arm_escape(rr_sel);

	pthread_t helper;
	int e = pthread_create(&helper, NULL, rr_helper, NULL); /* selector ALLOW: libc runs natively */
	if (e) {
		sud_disarm_escape();
		errno = e;
		harness_error("pthread_create");
	}
	char byte;
	long ret = sud_gate_probe(SYS_read, rr_pipe[0], (long)&byte, 1, 0, 0, 0);
	int read_count = sud_seen.count;
	long control = 0;
	if (!restart) /* the selector is still BLOCK (the SIGUSR1 handler's): the control is dispatched */
		control = SUD_PROBE0(SYS_getppid);
	*rr_sel = SUD_ALLOW;
	pthread_join(helper, NULL);
	sud_disarm_escape();

	fact_result("arm", arm);
	fact_int("usr1.count", usr1_count);
	fact_hex("usr1.rip", usr1_rip);
	fact_hex("usr1.rax", usr1_rax);
	fact_hex("read.ret", (uint64_t)ret);
	fact_int("read.sigsys.count", read_count);
	if (!restart)
		fact_hex("control.ret", (uint64_t)control);
	fact_sigsys("sigsys");
	return SUD_EXIT_RAN;
}

/* nanosleep-restart: a forked child, armed with its selector in a page it shares with the parent (at
 * ALLOW), sleeps 30 s through the probe gate. The parent waits until /proc shows it blocked in nanosleep
 * at the probe gate, stops it with SIGSTOP (waitpid WUNTRACED confirms), writes BLOCK to the shared
 * selector, and continues it with SIGCONT. SIGCONT has no handler, so the kernel restarts the interrupted
 * nanosleep as restart_syscall (219) from the probe instruction: with BLOCK that is dispatched, and the
 * child's generic handler makes it return 0x5ad. Should the kernel run it natively instead, the parent
 * sees the child blocked in syscall 219 and interrupts it with SIGUSR2 (the child has a handler, so it
 * returns -EINTR): the child then reports, rather than sleeping 30 s. */
static volatile sig_atomic_t usr2_count;
static void usr2_count_handler(int sig)
{
	(void)sig;
	usr2_count++;
}

static int case_nanosleep_restart(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	sud_reset_signals();
	sud_require();
	fact_hex("gate.probe_after", sud_addr(sud_gate_probe_after));
	volatile uint8_t *sel = shared_page();
	*sel = SUD_ALLOW;

	pid_t child = fork();
	if (child < 0)
		harness_error("fork");
	if (child == 0) {
		sud_install_sigsys(0);
		sud_policy.selector = sel;
		sud_policy.set_return = 1;
		sud_policy.return_value = ORDER_HANDLER_RET;
		if (signal(SIGUSR2, usr2_count_handler) == SIG_ERR)
			harness_error("signal(SIGUSR2)");
		struct sud_result arm = sud_arm_escape(sel);
		struct timespec ts = {30, 0};
		long ret = sud_gate_probe(SYS_nanosleep, (long)&ts, 0, 0, 0, 0, 0);
		*sel = SUD_ALLOW;
		sud_disarm_escape();
		fact_result("child.arm", arm);
		fact_hex("child.sleep.ret", (uint64_t)ret);
		fact_int("child.usr2.count", usr2_count);
		fact_sigsys("child.sigsys");
		_exit(0);
	}

	wait_blocked_in_probe(child, child, SYS_nanosleep);
	if (kill(child, SIGSTOP))
		harness_error("kill SIGSTOP");
	int status;
	reap(child, &status, WUNTRACED);
	int stopped = WIFSTOPPED(status);
	int stopsig = stopped ? WSTOPSIG(status) : 0;
	*sel = SUD_BLOCK;
	if (kill(child, SIGCONT))
		harness_error("kill SIGCONT");

	int native_restart = 0;
	double deadline = now_s() + 5.0;
	for (;;) {
		pid_t w = waitpid(child, &status, WNOHANG);
		if (w == child)
			break;
		if (w < 0 && errno != EINTR)
			harness_error("waitpid");
		struct proc_syscall ps;
		if (!native_restart && read_proc_syscall(child, child, &ps) == 0 && ps.nr == SYS_restart_syscall) {
			native_restart = 1;
			kill(child, SIGUSR2);
		}
		if (now_s() > deadline) {
			kill(child, SIGKILL);
			harness_error("the continued child neither exited nor blocked in restart_syscall");
		}
		sched_yield();
	}
	propagate_child_verdict(status);
	fact_int("parent.stopped", stopped);
	fact_int("parent.stopsig", stopsig);
	fact_int("parent.native_restart", native_restart);
	fact_wait_status("child", status);
	return SUD_EXIT_RAN;
}

/* ---------------------------------------------------------------- restart codes (C14 with E27)
 * One call through the probe gate whose "number" is CODE, armed with a BLOCK selector; the generic handler
 * (installed with SA_RESTART when asked) writes ALLOW and, with set-return, VALUE to REG_RAX. A dispatch
 * rolls rax back to the number and leaves orig_rax = the number, so on the way to the handler the x86
 * signal code takes it for a syscall that returned CODE: -512..-516 are the kernel's internal restart
 * codes. The facts are what the handler saw and what the call finally returned (decimal). */
static int case_restart_code(int argc, char **argv)
{
	if (argc < 2)
		harness_error("usage: restart-code CODE [sa-restart] [set-return VALUE]");
	long code = (long)arg_u64(argv[1]);
	int flags = 0;
	for (int i = 2; i < argc; i++) {
		if (!strcmp(argv[i], "sa-restart")) {
			flags |= SA_RESTART;
		} else if (!strcmp(argv[i], "set-return") && i + 1 < argc) {
			sud_policy.set_return = 1;
			sud_policy.return_value = (long)arg_u64(argv[++i]);
		} else {
			harness_error("unknown argument '%s'", argv[i]);
		}
	}
	sud_reset_signals();
	sud_require();
	fact_int("process.ppid", getppid());
	fact_hex("gate.probe_insn", sud_addr(sud_gate_probe_insn));
	fact_hex("gate.probe_after", sud_addr(sud_gate_probe_after));

	volatile uint8_t *sel = sud_selector_page(SUD_BLOCK);
	sud_install_sigsys(flags);
	sud_policy.selector = sel;
	struct sud_result arm = sud_arm_escape(sel);
	long ret = sud_gate_probe(code, 0, 0, 0, 0, 0, 0);
	*sel = SUD_ALLOW;
	long off = sud_disarm_escape();

	fact_result("arm", arm);
	fact_int("call.ret", ret);
	fact_int("disarm.ret", off);
	fact_sigsys("sigsys");
	return SUD_EXIT_RAN;
}

static const struct sud_case cases[] = {
	{"seccomp", case_seccomp, "kill|errno|trap  a getppid filter: not consulted for a dispatched call, applied with ALLOW"},
	{"ptrace", case_ptrace, "syscall|sysemu  the stops a tracer sees for a dispatched and a native getppid"},
	{"tracepoint", case_tracepoint, "  raw_syscalls events for a dispatched and a native call (root, tracefs)"},
	{"rseq", case_rseq, "  a dispatch from inside an rseq critical section, with a native signal as control"},
	{"read-restart", case_read_restart, "sa-restart|no-restart  a read() interrupted by a handler that sets BLOCK"},
	{"nanosleep-restart", case_nanosleep_restart, "  a stopped nanosleep continued with the selector at BLOCK"},
	{"restart-code", case_restart_code, "CODE [sa-restart] [set-return VALUE]  a dispatched call whose number is CODE"},
};
SUD_MAIN(cases)
