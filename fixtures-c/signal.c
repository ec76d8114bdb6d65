/* signal: how SIGSYS's disposition shapes a dispatch (kernel-behaviour.md D20-D23).
 *
 *   signal disposition <blocked|ignored|default>
 *       armed (escape gate = region), a control dispatch with the handler installed and unblocked,
 *       then SIGSYS blocked (handler still installed), ignored or default, and one more dispatch.
 *       facts: getppid, addr.after, arm.*, control.dispatched, control.ret, disposition, then only if
 *       the process survived: probe.ret, probe.dispatched. The handler announces itself
 *       (`handler.entered=1`) if it ever runs for the second dispatch.
 *   signal traced <handler|blocked|ignored|default>
 *       a ptraced child arms, sets the disposition and makes one dispatch with BLOCK; the tracer
 *       records every signal stop (PTRACE_GETSIGINFO for SIGSYS) and suppresses SIGSYS (resumes with
 *       signal 0). facts: tracer.stops, tracer.si_*, child.exit|child.signal, tracee.arm.*,
 *       tracee.probe.ret, tracee.handler.count, tracee.after.handler (handler|default|ignore),
 *       tracee.after.blocked (0|1).
 *   signal nested <nodefer|defer>
 *       the handler, for the first dispatch (getppid), makes a second dispatch (getpid) itself with the
 *       selector still BLOCK; the handler is installed with or without SA_NODEFER.
 *       facts: arm.*, outer.entered / inner.entered (written from the handlers through the escape gate,
 *       so they reach the runner even if the process dies next), then only if it survived:
 *       outer.count, inner.count, outer.syscall, inner.syscall, max_depth, probe.ret, inner.ret.
 *   signal restorer <libc|region>
 *       the handler returns with the selector still BLOCK. libc: through glibc's restorer (outside the
 *       region = the escape gate); region: the handler is installed with the raw rt_sigaction syscall
 *       and SA_RESTORER = this fixture's trampoline (`mov $15,%eax; syscall`), and the region is that
 *       trampoline. facts: arm.*, handler.returning (escape gate, libc only), then only if it survived:
 *       probe.dispatched, probe.ret, selector.after_return, second.dispatched, handler.return_to,
 *       addr.restorer, disarm.*.
 *   signal off-outside <gate|libc>
 *       armed (escape gate = region), selector BLOCK, prctl(PR_SET_SYSCALL_USER_DISPATCH, OFF) issued from
 *       outside the region (through sud_gate_probe, or glibc's prctl()); the handler writes ALLOW and
 *       leaves RAX alone. Then BLOCK again and a getppid through sud_gate_probe: still armed?
 *       facts: addr.after, arm.*, off.ret, off.dispatched, off.syscall, off.call_addr,
 *       after.dispatched, after.syscall, after.ret, disarm.ret.
 */
#include "sud.h"
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/resource.h>

#define SIGNAL_DISPATCHED_RET 0x5ddeadL
#define SIGNAL_INNER_RET 0x5ddee0L

/* A killed fixture must die quickly: no core file (SIGSYS's default action dumps core). */
static void setup(void)
{
	sud_reset_signals();
	struct rlimit nocore = {0, 0};
	setrlimit(RLIMIT_CORE, &nocore);
	sud_require();
}

/* A constant line written through the escape gate: works whatever the selector holds (when armed with
 * sud_arm_escape) and from a signal handler. */
static void escape_line(const char *line)
{
	sud_gate_escape(SYS_write, 1, (long)line, (long)strlen(line), 0, 0, 0);
}

/* ---------------------------------------------------------------- dispositions */

enum disposition { DISP_HANDLER, DISP_BLOCKED, DISP_IGNORED, DISP_DEFAULT };

static int parse_disposition(const char *s, enum disposition *d)
{
	static const char *names[] = {"handler", "blocked", "ignored", "default"};
	for (int i = 0; i < 4; i++)
		if (!strcmp(s, names[i])) {
			*d = (enum disposition)i;
			return 0;
		}
	return -1;
}

/* From the generic handler (installed, unblocked) to the disposition under test. */
static void set_disposition(enum disposition d)
{
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGSYS);
	switch (d) {
	case DISP_HANDLER:
		break;
	case DISP_BLOCKED:
		if (sigprocmask(SIG_BLOCK, &set, NULL))
			harness_error("sigprocmask(SIG_BLOCK, SIGSYS)");
		break;
	case DISP_IGNORED:
		if (signal(SIGSYS, SIG_IGN) == SIG_ERR)
			harness_error("signal(SIGSYS, SIG_IGN)");
		break;
	case DISP_DEFAULT:
		if (signal(SIGSYS, SIG_DFL) == SIG_ERR)
			harness_error("signal(SIGSYS, SIG_DFL)");
		break;
	}
}

/* ---------------------------------------------------------------- disposition (D20) */

static int case_disposition(int argc, char **argv)
{
	enum disposition d;
	if (argc != 2 || parse_disposition(argv[1], &d) || d == DISP_HANDLER)
		harness_error("usage: disposition blocked|ignored|default");
	setup();
	volatile uint8_t *sel = sud_selector_page(SUD_ALLOW);
	sud_policy.selector = sel;
	sud_policy.set_return = 1;
	sud_policy.return_value = SIGNAL_DISPATCHED_RET;
	sud_install_sigsys(0);
	fact_hex("getppid", (uint64_t)getppid());
	fact_hex("addr.after", sud_addr(sud_gate_probe_after));

	struct sud_result arm = sud_arm_escape(sel);
	fact_result("arm", arm);
	if (arm.ret != 0)
		return SUD_EXIT_RAN;

	/* Control: handler installed and unblocked, BLOCK outside the region is dispatched. */
	*sel = SUD_BLOCK;
	long cret = SUD_PROBE0(SYS_getppid);
	*sel = SUD_ALLOW;
	fact_int("control.dispatched", sud_seen.count);
	fact_hex("control.ret", (uint64_t)cret);

	set_disposition(d);
	fact("disposition", "%s", argv[1]);
	sud_policy.announce = 1; /* the handler writes ALLOW first, so its write(2) would run */
	int before = sud_seen.count;
	*sel = SUD_BLOCK;
	long ret = SUD_PROBE0(SYS_getppid);
	*sel = SUD_ALLOW;
	int dispatched = sud_seen.count - before;
	sud_disarm_escape();
	/* Reached only if the process was not killed. */
	fact_hex("probe.ret", (uint64_t)ret);
	fact_int("probe.dispatched", dispatched);
	return SUD_EXIT_RAN;
}

/* ---------------------------------------------------------------- traced (D20, C13 via ptrace) */

static void tracee(enum disposition d)
{
	if (ptrace(PTRACE_TRACEME, 0, 0, 0))
		harness_error("PTRACE_TRACEME");
	raise(SIGSTOP);
	volatile uint8_t *sel = sud_selector_page(SUD_ALLOW);
	sud_policy.selector = sel;
	sud_policy.set_return = 1;
	sud_policy.return_value = SIGNAL_DISPATCHED_RET;
	sud_install_sigsys(0);
	struct sud_result arm = sud_arm_escape(sel);
	fact_result("tracee.arm", arm);
	if (arm.ret != 0)
		_exit(0);
	set_disposition(d);
	*sel = SUD_BLOCK;
	long ret = SUD_PROBE0(SYS_getppid);
	*sel = SUD_ALLOW;
	sud_disarm_escape();

	struct sigaction now;
	sigset_t mask;
	if (sigaction(SIGSYS, NULL, &now) || sigprocmask(SIG_BLOCK, NULL, &mask))
		harness_error("reading the SIGSYS disposition");
	const char *h = now.sa_handler == SIG_DFL ? "default" : now.sa_handler == SIG_IGN ? "ignore" : "handler";
	fact_hex("tracee.probe.ret", (uint64_t)ret);
	fact_int("tracee.handler.count", sud_seen.count);
	fact("tracee.after.handler", "%s", h);
	fact_int("tracee.after.blocked", sigismember(&mask, SIGSYS));
	_exit(0);
}

static int case_traced(int argc, char **argv)
{
	enum disposition d;
	if (argc != 2 || parse_disposition(argv[1], &d))
		harness_error("usage: traced handler|blocked|ignored|default");
	setup();
	fact_hex("addr.after", sud_addr(sud_gate_probe_after));
	pid_t child = fork();
	if (child < 0)
		harness_error("fork");
	if (child == 0)
		tracee(d);

	int status;
	if (waitpid(child, &status, 0) != child || !WIFSTOPPED(status) || WSTOPSIG(status) != SIGSTOP) {
		kill(child, SIGKILL);
		harness_error("the traced child did not stop with SIGSTOP");
	}
	if (ptrace(PTRACE_SETOPTIONS, child, 0, (void *)(long)PTRACE_O_EXITKILL))
		harness_error("PTRACE_SETOPTIONS");
	if (ptrace(PTRACE_CONT, child, 0, 0))
		harness_error("PTRACE_CONT");

	char stops[256] = "";
	size_t used = 0;
	siginfo_t si;
	int have_si = 0;
	for (int n = 0; n < 16; n++) {
		if (waitpid(child, &status, 0) != child)
			harness_error("waitpid");
		if (!WIFSTOPPED(status))
			break;
		int sig = WSTOPSIG(status), deliver = sig;
		used += snprintf(stops + used, sizeof stops - used, "%ssignal-%s", used ? "," : "", sud_signal_name(sig));
		if (sig == SIGSYS) {
			memset(&si, 0, sizeof si);
			if (!have_si && ptrace(PTRACE_GETSIGINFO, child, 0, &si) == 0)
				have_si = 1;
			deliver = 0; /* suppress it */
		}
		if (ptrace(PTRACE_CONT, child, 0, (void *)(long)deliver))
			harness_error("PTRACE_CONT");
	}
	if (WIFSTOPPED(status)) {
		/* A kernel that keeps stopping the tracee (a dispatch repeated after suppression, say): report
		 * what was seen, as the kernel's doing, and end the child. */
		used += snprintf(stops + used, sizeof stops - used, ",...");
		kill(child, SIGKILL);
		if (waitpid(child, &status, 0) != child)
			harness_error("waitpid after SIGKILL");
	}
	fact("tracer.stops", "%s", used ? stops : "none");
	if (have_si) {
		fact_int("tracer.si_signo", si.si_signo);
		fact_int("tracer.si_code", si.si_code);
		fact_int("tracer.si_errno", si.si_errno);
		fact_int("tracer.si_syscall", si.si_syscall);
		fact_hex("tracer.si_call_addr", sud_addr(si.si_call_addr));
		fact_hex("tracer.si_arch", si.si_arch);
	}
	if (WIFSIGNALED(status))
		fact("child.signal", "%s", sud_signal_name(WTERMSIG(status)));
	else
		fact_int("child.exit", WEXITSTATUS(status));
	return SUD_EXIT_RAN;
}

/* ---------------------------------------------------------------- nested (D21) */

static volatile uint8_t *nested_sel;
static volatile int nested_depth, nested_max_depth;
static volatile int outer_count, inner_count, outer_syscall, inner_syscall;
static volatile long inner_ret;

static void nested_handler(int sig, siginfo_t *info, void *uc_)
{
	(void)sig;
	greg_t *g = ((ucontext_t *)uc_)->uc_mcontext.gregs;
	int d = ++nested_depth;
	if (d > nested_max_depth)
		nested_max_depth = d;
	if (d == 1) {
		outer_count++;
		outer_syscall = info->si_syscall;
		escape_line("outer.entered=1\n");
		/* The selector is still BLOCK: this call, outside the region, is dispatched again. */
		inner_ret = SUD_PROBE0(SYS_getpid);
		*nested_sel = SUD_ALLOW; /* for glibc's restorer (outside the region) */
		g[REG_RAX] = SIGNAL_DISPATCHED_RET;
	} else {
		inner_count++;
		inner_syscall = info->si_syscall;
		escape_line("inner.entered=1\n");
		/* SA_NODEFER leaves SIGSYS unblocked here: glibc's restorer must not be dispatched. */
		*nested_sel = SUD_ALLOW;
		g[REG_RAX] = SIGNAL_INNER_RET;
	}
	nested_depth--;
}

static int case_nested(int argc, char **argv)
{
	if (argc != 2 || (strcmp(argv[1], "nodefer") && strcmp(argv[1], "defer")))
		harness_error("usage: nested nodefer|defer");
	int nodefer = !strcmp(argv[1], "nodefer");
	setup();
	nested_sel = sud_selector_page(SUD_ALLOW);
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_sigaction = nested_handler;
	sa.sa_flags = SA_SIGINFO | (nodefer ? SA_NODEFER : 0);
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGSYS, &sa, NULL))
		harness_error("sigaction(SIGSYS)");

	struct sud_result arm = sud_arm_escape(nested_sel);
	fact_result("arm", arm);
	if (arm.ret != 0)
		return SUD_EXIT_RAN;
	*nested_sel = SUD_BLOCK;
	long ret = SUD_PROBE0(SYS_getppid);
	*nested_sel = SUD_ALLOW;
	sud_disarm_escape();
	/* Reached only if the process survived. */
	fact_int("outer.count", outer_count);
	fact_int("inner.count", inner_count);
	fact_int("outer.syscall", outer_syscall);
	fact_int("inner.syscall", inner_syscall);
	fact_int("max_depth", nested_max_depth);
	fact_hex("probe.ret", (uint64_t)ret);
	fact_hex("inner.ret", (uint64_t)inner_ret);
	return SUD_EXIT_RAN;
}

/* ---------------------------------------------------------------- restorer (D22, C17) */

/* An rt_sigreturn trampoline of this fixture's own, like glibc's __restore_rt; the kernel compares
 * signal_restorer_after, so the region [signal_restorer, signal_restorer_end) covers its syscall. */
extern const char signal_restorer[], signal_restorer_after[], signal_restorer_end[];
__asm__(".text\n"
	".p2align 4\n"
	".globl signal_restorer\n"
	".type signal_restorer,@function\n"
	"signal_restorer:\n"
	"	mov $15, %eax\n" /* __NR_rt_sigreturn */
	"	syscall\n"
	".globl signal_restorer_after\n"
	"signal_restorer_after:\n"
	"	ud2\n"
	".globl signal_restorer_end\n"
	"signal_restorer_end:\n"
	".size signal_restorer, . - signal_restorer\n");

static volatile uint64_t handler_return_to;
static volatile uint8_t *restorer_sel;

/* The generic handler, plus where it returns to (the restorer). With `libc`, it announces its return
 * through the escape gate: the selector is BLOCK, libc's write(2) would be dispatched. */
static int restorer_announce;
static __attribute__((noinline)) void restorer_handler(int sig, siginfo_t *info, void *uc)
{
	handler_return_to = (uint64_t)(uintptr_t)__builtin_return_address(0);
	sud_sigsys_handler(sig, info, uc);
	if (restorer_announce)
		escape_line("handler.returning=1\n");
}

static int case_restorer(int argc, char **argv)
{
	if (argc != 2 || (strcmp(argv[1], "libc") && strcmp(argv[1], "region")))
		harness_error("usage: restorer libc|region");
	int own = !strcmp(argv[1], "region");
	setup();
	restorer_sel = sud_selector_page(SUD_ALLOW);
	sud_policy.set_return = 1;
	sud_policy.return_value = SIGNAL_DISPATCHED_RET;
	/* sud_policy.selector stays NULL: the handler returns with the selector still BLOCK. */
	fact_hex("addr.after", sud_addr(sud_gate_probe_after));

	struct sud_result arm;
	if (own) {
		sud_sigaction_restorer(SIGSYS, restorer_handler, 0, signal_restorer);
		fact_hex("addr.restorer", sud_addr(signal_restorer));
		uint64_t off = sud_addr(signal_restorer);
		arm = sud_prctl(SUD_EXCLUSIVE, off, sud_addr(signal_restorer_end) - off, sud_addr(restorer_sel));
	} else {
		struct sigaction sa;
		memset(&sa, 0, sizeof sa);
		sa.sa_sigaction = restorer_handler;
		sa.sa_flags = SA_SIGINFO;
		sigemptyset(&sa.sa_mask);
		if (sigaction(SIGSYS, &sa, NULL))
			harness_error("sigaction(SIGSYS)");
		restorer_announce = 1;
		arm = sud_arm_escape(restorer_sel);
	}
	fact_result("arm", arm);
	if (arm.ret != 0)
		return SUD_EXIT_RAN;

	*restorer_sel = SUD_BLOCK;
	long ret = SUD_PROBE0(SYS_getppid);
	/* Survived the handler's return. Only memory accesses until ALLOW: still armed, still BLOCK. */
	int c1 = sud_seen.count;
	uint8_t after_return = *restorer_sel;
	SUD_PROBE0(SYS_getpid);
	int c2 = sud_seen.count;
	*restorer_sel = SUD_ALLOW;
	struct sud_result off = sud_prctl(SUD_OFF, 0, 0, 0);

	fact_int("probe.dispatched", c1);
	fact_hex("probe.ret", (uint64_t)ret);
	fact_int("selector.after_return", after_return);
	fact_int("second.dispatched", c2 - c1);
	fact_hex("handler.return_to", handler_return_to);
	fact_result("disarm", off);
	return SUD_EXIT_RAN;
}

/* ---------------------------------------------------------------- off-outside (D23) */

static int case_off_outside(int argc, char **argv)
{
	if (argc != 2 || (strcmp(argv[1], "gate") && strcmp(argv[1], "libc")))
		harness_error("usage: off-outside gate|libc");
	int libc = !strcmp(argv[1], "libc");
	setup();
	volatile uint8_t *sel = sud_selector_page(SUD_ALLOW);
	sud_policy.selector = sel; /* the handler writes ALLOW and leaves RAX alone */
	sud_install_sigsys(0);
	fact_hex("addr.after", sud_addr(sud_gate_probe_after));
	fact_hex("getppid", (uint64_t)getppid());

	struct sud_result arm = sud_arm_escape(sel);
	fact_result("arm", arm);
	if (arm.ret != 0)
		return SUD_EXIT_RAN;
	*sel = SUD_BLOCK;
	long off_ret = libc ? (long)prctl(SUD_PR_SET, SUD_OFF, 0UL, 0UL, 0UL)
			    : sud_gate_probe(SYS_prctl, SUD_PR_SET, SUD_OFF, 0, 0, 0, 0);
	*sel = SUD_ALLOW;
	struct sud_sigsys_record off_seen = sud_seen;

	/* Still armed? BLOCK again, the same probe as every other family's. */
	*sel = SUD_BLOCK;
	long ret = SUD_PROBE0(SYS_getppid);
	*sel = SUD_ALLOW;
	int after = sud_seen.count - off_seen.count;
	int after_nr = sud_seen.syscall_nr;
	long disarm = sud_disarm_escape();

	fact_int("off.ret", off_ret);
	fact_int("off.dispatched", off_seen.count);
	if (off_seen.count) {
		fact_int("off.syscall", off_seen.syscall_nr);
		fact_hex("off.call_addr", off_seen.call_addr);
	}
	fact_int("after.dispatched", after);
	if (after)
		fact_int("after.syscall", after_nr);
	fact_hex("after.ret", (uint64_t)ret);
	fact_int("disarm.ret", disarm);
	return SUD_EXIT_RAN;
}

static const struct sud_case cases[] = {
	{"disposition", case_disposition, "blocked|ignored|default  SIGSYS's disposition at a dispatch (after a control dispatch)"},
	{"traced", case_traced, "handler|blocked|ignored|default  a ptraced child's dispatch; the tracer suppresses SIGSYS"},
	{"nested", case_nested, "nodefer|defer  a dispatch from inside the SIGSYS handler"},
	{"restorer", case_restorer, "libc|region  the handler returns with the selector still BLOCK"},
	{"off-outside", case_off_outside, "gate|libc  prctl(OFF) from outside the region while BLOCK"},
};
SUD_MAIN(cases)
