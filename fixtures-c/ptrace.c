/* ptrace: the ptrace configuration interface, PTRACE_GET/SET_SYSCALL_USER_DISPATCH_CONFIG
 * (kernel-behaviour.md G32-G34), and the stale fields fork and exec leave behind (F31).
 *
 * Every case is a tracer (this process) and one or two tracees it forks. The tracer prints raw facts:
 * what ptrace returned (`<prefix>.ret`, `<prefix>.errno`), what GET wrote (`<prefix>.mode`, `.selector`,
 * `.offset`, `.len`, hex), what PTRACE_GETSIGINFO showed. Tracees print their own facts with a `child.`
 * or `tracee.` prefix. Nothing here decides whether the kernel was right.
 *
 *   ptrace get-error VARIANT    VARIANT: size-0 size-31 size-33 null-pointer readonly-pointer
 *                               kernel-pointer untraced running
 *       facts: get.ret/errno (the call under test), control.ret/errno + control.mode..len
 *       (a well-formed GET on the same child, traced and stopped: proves the error came from the
 *       variant, not from the child's state)
 *   ptrace fresh                facts: get.ret/errno, get.mode..len (the buffer was filled with 0xaa first)
 *   ptrace set-error VARIANT    VARIANT: off-selector off-offset off-len mode-3 exclusive-wrap
 *                               inclusive-empty kernel-selector selector-neg1 order size-31 null-pointer
 *       facts: set.ret/errno, after.* (GET after the failed SET), control.set.ret/errno (a valid
 *       EXCLUSIVE SET on the same child) and control.get.* (GET after it)
 *   ptrace roundtrip MODE OFFSET LEN SELECTOR
 *       facts: set.ret/errno, got.* (GET), reset.ret/errno (SET of exactly what GET returned),
 *       again.* (GET after that)
 *   ptrace set-arms             the tracee, armed only by the tracer's SET (selector = a BLOCK byte in the
 *                               tracee's memory; the tracer's own copy of that page says ALLOW), calls
 *                               getppid through sud_gate_probe.
 *       facts: tracer.pid, gate.probe_after, set.ret/errno, stop.signal (first stop after the SET, or
 *       `none` when the tracee exited without one), siginfo.* (PTRACE_GETSIGINFO at that stop),
 *       child.probe.ret, child.sigsys.*, child.exit|child.signal
 *   ptrace sigsys-stop          the tracee arms itself with prctl (escape region, BLOCK) and calls getppid
 *                               through sud_gate_probe; the tracer reads the SIGSYS stop.
 *       facts: as set-arms (arm.ret/errno from the tracee instead of set.*), plus during.* (GET at the
 *       SIGSYS stop) and arm.offset/len/selector (what the tracee passed to prctl)
 *   ptrace fork-stale           the tracee arms itself (escape region, ALLOW selector) and forks; the
 *                               tracer (PTRACE_O_TRACEFORK) stops the new child before it runs.
 *       facts: arm.offset/len/selector, tracee.arm.ret/errno, event (1 = PTRACE_EVENT_FORK seen),
 *       parent.* (GET on the tracee at the fork event: the control), new.* (GET on the child),
 *       reset.ret/errno (SET of exactly new.*), again.* (GET on the child after that)
 *   ptrace exec-stale           the tracee arms itself, stops (the tracer GETs: before.*, the control),
 *                               then execs this binary (PTRACE_O_TRACEEXEC stops it right after exec).
 *       facts: arm.*, tracee.arm.*, before.*, event (4 = PTRACE_EVENT_EXEC seen), new.* (GET after
 *       exec), reset.ret/errno, again.*
 */
#include "sud.h"
#include <sys/ptrace.h>

#define CFG_SIZE sizeof(struct sud_ptrace_config)
/* An address no user pointer can have: the start of the kernel half on x86-64. */
#define KERNEL_ADDR 0xffffffff81000000UL

extern char **environ;

/* ---------------------------------------------------------------- helpers (local to this fixture) */

static struct sud_result xptrace(long req, pid_t pid, unsigned long addr, void *data)
{
	struct sud_result r;
	errno = 0;
	r.ret = syscall(SYS_ptrace, req, (long)pid, addr, data);
	r.err = r.ret == -1 ? errno : 0;
	return r;
}

static struct sud_result cfg_get(pid_t pid, unsigned long size, void *data)
{
	return xptrace(SUD_PTRACE_GET, pid, size, data);
}

static struct sud_result cfg_set(pid_t pid, unsigned long size, void *data)
{
	return xptrace(SUD_PTRACE_SET, pid, size, data);
}

static void fact_cfg(const char *prefix, const struct sud_ptrace_config *c)
{
	char key[96];
	snprintf(key, sizeof key, "%s.mode", prefix);
	fact_hex(key, c->mode);
	snprintf(key, sizeof key, "%s.selector", prefix);
	fact_hex(key, c->selector);
	snprintf(key, sizeof key, "%s.offset", prefix);
	fact_hex(key, c->offset);
	snprintf(key, sizeof key, "%s.len", prefix);
	fact_hex(key, c->len);
}

/* GET into a buffer filled with 0xaa; prints `<prefix>.ret/errno` and, on success, the four fields. */
static struct sud_result get_and_print(const char *prefix, pid_t pid, struct sud_ptrace_config *out)
{
	struct sud_ptrace_config c;
	memset(&c, 0xaa, sizeof c);
	struct sud_result r = cfg_get(pid, CFG_SIZE, &c);
	fact_result(prefix, r);
	if (r.ret == 0)
		fact_cfg(prefix, &c);
	if (out)
		*out = c;
	return r;
}

static int wait_for(pid_t pid)
{
	int status;
	pid_t w;
	do
		w = waitpid(pid, &status, __WALL);
	while (w < 0 && errno == EINTR);
	if (w != pid)
		harness_error("waitpid(%d)", (int)pid);
	return status;
}

static void kill_and_reap(pid_t pid)
{
	if (pid <= 0)
		return;
	kill(pid, SIGKILL);
	int status;
	while (waitpid(pid, &status, __WALL) < 0 && errno == EINTR)
		;
}

/* A child that does nothing but wait for signals, never armed by anyone. */
static pid_t spawn_idle(void)
{
	pid_t pid = fork();
	if (pid < 0)
		harness_error("fork");
	if (pid == 0) {
		for (;;)
			pause();
	}
	return pid;
}

/* Attach to an idle child with PTRACE_SEIZE and bring it to a ptrace stop (PTRACE_INTERRUPT). */
static void seize_and_stop(pid_t pid)
{
	if (ptrace(PTRACE_SEIZE, pid, 0, (void *)(long)PTRACE_O_EXITKILL))
		harness_error("PTRACE_SEIZE");
	if (ptrace(PTRACE_INTERRUPT, pid, 0, 0))
		harness_error("PTRACE_INTERRUPT");
	int status = wait_for(pid);
	if (!WIFSTOPPED(status))
		harness_error("the seized child did not stop (status 0x%x)", status);
}

static pid_t spawn_stopped(void)
{
	pid_t pid = spawn_idle();
	seize_and_stop(pid);
	return pid;
}

/* ---------------------------------------------------------------- get-error (G32) */
static int case_get_error(int argc, char **argv)
{
	if (argc != 2)
		harness_error("usage: get-error VARIANT");
	const char *v = argv[1];
	sud_reset_signals();
	sud_require();

	struct sud_ptrace_config c;
	memset(&c, 0xaa, sizeof c);
	struct sud_result r;
	pid_t pid;

	if (!strcmp(v, "untraced")) {
		pid = spawn_idle();
		r = cfg_get(pid, CFG_SIZE, &c); /* a child of ours, but not traced */
		seize_and_stop(pid);
	} else if (!strcmp(v, "running")) {
		pid = spawn_stopped();
		if (ptrace(PTRACE_CONT, pid, 0, 0))
			harness_error("PTRACE_CONT");
		r = cfg_get(pid, CFG_SIZE, &c); /* traced, but resumed: not in a ptrace stop */
		if (ptrace(PTRACE_INTERRUPT, pid, 0, 0))
			harness_error("PTRACE_INTERRUPT");
		int status = wait_for(pid);
		if (!WIFSTOPPED(status))
			harness_error("the child did not stop again (status 0x%x)", status);
	} else {
		pid = spawn_stopped();
		if (!strcmp(v, "size-0"))
			r = cfg_get(pid, 0, &c);
		else if (!strcmp(v, "size-31"))
			r = cfg_get(pid, CFG_SIZE - 1, &c);
		else if (!strcmp(v, "size-33"))
			r = cfg_get(pid, CFG_SIZE + 1, &c);
		else if (!strcmp(v, "null-pointer"))
			r = cfg_get(pid, CFG_SIZE, NULL);
		else if (!strcmp(v, "kernel-pointer"))
			r = cfg_get(pid, CFG_SIZE, (void *)KERNEL_ADDR);
		else if (!strcmp(v, "readonly-pointer")) {
			void *ro = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
			if (ro == MAP_FAILED)
				harness_error("mmap read-only page");
			r = cfg_get(pid, CFG_SIZE, ro);
		} else {
			kill_and_reap(pid);
			harness_error("unknown get-error variant '%s'", v);
		}
	}
	fact_result("get", r);
	/* Control: the same child, now traced and stopped, answers a well-formed GET. */
	get_and_print("control", pid, NULL);
	kill_and_reap(pid);
	return SUD_EXIT_RAN;
}

/* ---------------------------------------------------------------- fresh (G32) */
static int case_fresh(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	sud_reset_signals();
	sud_require();
	pid_t pid = spawn_stopped();
	get_and_print("get", pid, NULL);
	kill_and_reap(pid);
	return SUD_EXIT_RAN;
}

/* ---------------------------------------------------------------- set-error (G33) */
static int case_set_error(int argc, char **argv)
{
	if (argc != 2)
		harness_error("usage: set-error VARIANT");
	const char *v = argv[1];
	sud_reset_signals();
	sud_require();

	/* Valid-looking fields: the escape gate's region and a mapped selector byte (the same address exists
	 * in the child, which is a fork of this process). */
	volatile uint8_t *sel = sud_selector_page(SUD_ALLOW);
	uint64_t off = sud_addr(sud_gate_escape_insn);
	uint64_t len = sud_addr(sud_gate_escape_end) - off;
	struct sud_ptrace_config c = {SUD_EXCLUSIVE, sud_addr(sel), off, len};
	unsigned long size = CFG_SIZE;
	void *data = &c;

	if (!strcmp(v, "off-selector"))
		c = (struct sud_ptrace_config){SUD_OFF, sud_addr(sel), 0, 0};
	else if (!strcmp(v, "off-offset"))
		c = (struct sud_ptrace_config){SUD_OFF, 0, off, 0};
	else if (!strcmp(v, "off-len"))
		c = (struct sud_ptrace_config){SUD_OFF, 0, 0, len};
	else if (!strcmp(v, "mode-3"))
		c.mode = 3;
	else if (!strcmp(v, "exclusive-wrap"))
		c = (struct sud_ptrace_config){SUD_EXCLUSIVE, sud_addr(sel), 1, 0};
	else if (!strcmp(v, "inclusive-empty"))
		c = (struct sud_ptrace_config){SUD_INCLUSIVE, sud_addr(sel), off, 0};
	else if (!strcmp(v, "kernel-selector"))
		c.selector = KERNEL_ADDR;
	else if (!strcmp(v, "selector-neg1"))
		c.selector = UINT64_MAX;
	else if (!strcmp(v, "order")) /* an invalid range and a kernel selector at once */
		c = (struct sud_ptrace_config){SUD_EXCLUSIVE, KERNEL_ADDR, 1, 0};
	else if (!strcmp(v, "size-31"))
		size = CFG_SIZE - 1;
	else if (!strcmp(v, "null-pointer"))
		data = NULL;
	else
		harness_error("unknown set-error variant '%s'", v);

	pid_t pid = spawn_stopped();
	struct sud_result r = cfg_set(pid, size, data);
	fact_result("set", r);
	get_and_print("after", pid, NULL);

	/* Control: a valid EXCLUSIVE SET on the same stopped child is accepted and visible to GET. */
	struct sud_ptrace_config ok = {SUD_EXCLUSIVE, sud_addr(sel), off, len};
	fact_result("control.set", cfg_set(pid, CFG_SIZE, &ok));
	get_and_print("control.get", pid, NULL);
	kill_and_reap(pid); /* never resumed: it is armed now */
	return SUD_EXIT_RAN;
}

/* ---------------------------------------------------------------- roundtrip (G33, G34) */
static int case_roundtrip(int argc, char **argv)
{
	if (argc != 5)
		harness_error("usage: roundtrip MODE OFFSET LEN SELECTOR");
	struct sud_ptrace_config c = {arg_u64(argv[1]), arg_u64(argv[4]), arg_u64(argv[2]), arg_u64(argv[3])};
	sud_reset_signals();
	sud_require();

	pid_t pid = spawn_stopped();
	fact_result("set", cfg_set(pid, CFG_SIZE, &c));
	struct sud_ptrace_config got;
	get_and_print("got", pid, &got);
	/* What a checkpoint/restore tool does: write back exactly what it read. */
	fact_result("reset", cfg_set(pid, CFG_SIZE, &got));
	get_and_print("again", pid, NULL);
	kill_and_reap(pid); /* never resumed */
	return SUD_EXIT_RAN;
}

/* ---------------------------------------------------------------- set-arms, sigsys-stop (G33) */

/* After the tracee's first stop, follow it to its next stop or its end. Prints stop.signal (or `none`)
 * and, for a SIGSYS stop, what PTRACE_GETSIGINFO shows; then `during.*` (GET at that stop) when asked.
 * The signal is delivered when the tracee is continued, so its handler runs. */
static void follow_tracee(pid_t pid, int get_during)
{
	int status = wait_for(pid);
	if (WIFSTOPPED(status)) {
		int sig = WSTOPSIG(status);
		fact_int("stop.signal", sig);
		siginfo_t si;
		memset(&si, 0, sizeof si);
		if (ptrace(PTRACE_GETSIGINFO, pid, 0, &si))
			harness_error("PTRACE_GETSIGINFO");
		fact_int("siginfo.signo", si.si_signo);
		fact_int("siginfo.code", si.si_code);
		fact_int("siginfo.errno", si.si_errno);
		if (si.si_signo == SIGSYS) {
			fact_int("siginfo.syscall", si.si_syscall);
			fact_hex("siginfo.arch", si.si_arch);
			fact_hex("siginfo.call_addr", sud_addr(si.si_call_addr));
		}
		if (get_during)
			get_and_print("during", pid, NULL);
		if (ptrace(PTRACE_CONT, pid, 0, (void *)(long)sig))
			harness_error("PTRACE_CONT with signal %d", sig);
		status = wait_for(pid);
		while (WIFSTOPPED(status)) { /* anything further: pass it on, do not judge */
			if (ptrace(PTRACE_CONT, pid, 0, (void *)(long)WSTOPSIG(status)))
				harness_error("PTRACE_CONT");
			status = wait_for(pid);
		}
	} else {
		fact("stop.signal", "none");
	}
	fact_wait_status("child", status);
}

/* The tracee's side: stop (through the escape gate, so that nothing runs between the stop and the probe
 * call), call getppid through the probe gate, disarm through the escape gate, print what it saw. */
static struct sud_result tracee_arm;
static int tracee_armed_itself;

static __attribute__((noreturn)) void tracee_probe(long self)
{
	sud_gate_escape(SYS_kill, self, SIGSTOP, 0, 0, 0, 0);
	long ret = SUD_PROBE0(SYS_getppid);
	sud_disarm_escape();
	if (tracee_armed_itself)
		fact_result("tracee.arm", tracee_arm);
	fact_int("child.probe.ret", ret);
	fact_sigsys("child.sigsys");
	_exit(0);
}

static int case_set_arms(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	sud_reset_signals();
	sud_require();
	fact_int("tracer.pid", getpid());
	fact_hex("gate.probe_after", sud_addr(sud_gate_probe_after));

	volatile uint8_t *sel = sud_selector_page(SUD_BLOCK);
	pid_t pid = fork();
	if (pid < 0)
		harness_error("fork");
	if (pid == 0) {
		/* Never armed by itself. The handler writes ALLOW to this process's copy of the selector. */
		sud_install_sigsys(0);
		sud_policy.selector = sel;
		long self = getpid();
		if (ptrace(PTRACE_TRACEME, 0, 0, 0))
			harness_error("PTRACE_TRACEME");
		tracee_probe(self);
	}
	/* The tracer's own copy of the page says ALLOW; the tracee's copy still says BLOCK. A SET that read
	 * the selector in the tracer's memory would leave the probe call undispatched. */
	*sel = SUD_ALLOW;
	int status = wait_for(pid);
	if (!WIFSTOPPED(status) || WSTOPSIG(status) != SIGSTOP)
		harness_error("the tracee did not stop with SIGSTOP (status 0x%x)", status);
	uint64_t off = sud_addr(sud_gate_escape_insn);
	struct sud_ptrace_config c = {SUD_EXCLUSIVE, sud_addr(sel), off, sud_addr(sud_gate_escape_end) - off};
	fact_result("set", cfg_set(pid, CFG_SIZE, &c));
	if (ptrace(PTRACE_CONT, pid, 0, 0))
		harness_error("PTRACE_CONT");
	follow_tracee(pid, 0);
	return SUD_EXIT_RAN;
}

static int case_sigsys_stop(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	sud_reset_signals();
	sud_require();
	fact_int("tracer.pid", getpid());
	fact_hex("gate.probe_after", sud_addr(sud_gate_probe_after));

	volatile uint8_t *sel = sud_selector_page(SUD_BLOCK);
	uint64_t off = sud_addr(sud_gate_escape_insn);
	fact_hex("arm.selector", sud_addr(sel));
	fact_hex("arm.offset", off);
	fact_hex("arm.len", sud_addr(sud_gate_escape_end) - off);
	pid_t pid = fork();
	if (pid < 0)
		harness_error("fork");
	if (pid == 0) {
		sud_install_sigsys(0);
		sud_policy.selector = sel;
		long self = getpid();
		if (ptrace(PTRACE_TRACEME, 0, 0, 0))
			harness_error("PTRACE_TRACEME");
		tracee_arm = sud_arm_escape(sel);
		tracee_armed_itself = 1;
		if (tracee_arm.ret != 0) { /* not armed: libc is safe to use */
			fact_result("tracee.arm", tracee_arm);
			_exit(0);
		}
		tracee_probe(self);
	}
	int status = wait_for(pid);
	if (!WIFSTOPPED(status)) {
		fact_wait_status("child", status);
		return SUD_EXIT_RAN;
	}
	if (WSTOPSIG(status) != SIGSTOP)
		harness_error("the tracee stopped with signal %d, not SIGSTOP", WSTOPSIG(status));
	if (ptrace(PTRACE_CONT, pid, 0, 0))
		harness_error("PTRACE_CONT");
	follow_tracee(pid, 1);
	return SUD_EXIT_RAN;
}

/* ---------------------------------------------------------------- fork-stale, exec-stale (F31) */

/* The tracee: traced, stopped once so the tracer can set options, then armed by itself with the escape
 * gate as the region and an ALLOW selector (so libc keeps working: nothing is dispatched, but the
 * configuration is stored). */
static void tracee_arm_allow(volatile uint8_t *sel)
{
	if (ptrace(PTRACE_TRACEME, 0, 0, 0))
		harness_error("PTRACE_TRACEME");
	raise(SIGSTOP);
	struct sud_result arm = sud_arm_escape(sel);
	fact_result("tracee.arm", arm);
}

static void print_arm_values(volatile uint8_t *sel)
{
	uint64_t off = sud_addr(sud_gate_escape_insn);
	fact_hex("arm.selector", sud_addr(sel));
	fact_hex("arm.offset", off);
	fact_hex("arm.len", sud_addr(sud_gate_escape_end) - off);
}

static void start_tracing(pid_t pid, long options)
{
	int status = wait_for(pid);
	if (!WIFSTOPPED(status) || WSTOPSIG(status) != SIGSTOP)
		harness_error("the tracee did not stop with SIGSTOP (status 0x%x)", status);
	if (ptrace(PTRACE_SETOPTIONS, pid, 0, (void *)(options | PTRACE_O_EXITKILL)))
		harness_error("PTRACE_SETOPTIONS");
	if (ptrace(PTRACE_CONT, pid, 0, 0))
		harness_error("PTRACE_CONT");
}

/* GET on the new task, SET of exactly that, GET again. */
static void stale_roundtrip(pid_t pid)
{
	struct sud_ptrace_config got;
	get_and_print("new", pid, &got);
	fact_result("reset", cfg_set(pid, CFG_SIZE, &got));
	get_and_print("again", pid, NULL);
}

static int case_fork_stale(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	sud_reset_signals();
	sud_require();
	volatile uint8_t *sel = sud_selector_page(SUD_ALLOW);
	print_arm_values(sel);

	pid_t pid = fork();
	if (pid < 0)
		harness_error("fork");
	if (pid == 0) {
		tracee_arm_allow(sel);
		pid_t c = fork(); /* selector ALLOW: glibc's fork runs natively */
		if (c == 0)
			_exit(0);
		for (;;)
			pause();
	}
	start_tracing(pid, PTRACE_O_TRACEFORK);
	int status = wait_for(pid);
	if (!(WIFSTOPPED(status) && status >> 8 == (SIGTRAP | (PTRACE_EVENT_FORK << 8)))) {
		fact("event", "none");
		if (WIFSTOPPED(status))
			fact_int("tracee.stop.signal", WSTOPSIG(status));
		else
			fact_wait_status("tracee", status);
		kill_and_reap(pid);
		return SUD_EXIT_RAN;
	}
	fact_int("event", PTRACE_EVENT_FORK);
	unsigned long msg = 0;
	if (ptrace(PTRACE_GETEVENTMSG, pid, 0, &msg))
		harness_error("PTRACE_GETEVENTMSG");
	pid_t child = (pid_t)msg;
	/* Control: the tracee itself, stopped at the fork event, is armed with the values it passed. */
	get_and_print("parent", pid, NULL);
	/* The new child is auto-attached and stops (SIGSTOP) before it runs a single instruction. */
	status = wait_for(child);
	if (!WIFSTOPPED(status))
		harness_error("the fork child did not stop (status 0x%x)", status);
	stale_roundtrip(child);
	kill_and_reap(child);
	kill_and_reap(pid);
	return SUD_EXIT_RAN;
}

static int case_exec_stale(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	sud_reset_signals();
	sud_require();
	volatile uint8_t *sel = sud_selector_page(SUD_ALLOW);
	print_arm_values(sel);

	pid_t pid = fork();
	if (pid < 0)
		harness_error("fork");
	if (pid == 0) {
		tracee_arm_allow(sel);
		raise(SIGSTOP); /* the tracer reads the armed configuration here */
		static char self[] = "/proc/self/exe", name[] = "ptrace", target[] = "exec-target";
		char *args[] = {name, target, NULL};
		execve(self, args, environ);
		harness_error("execve %s", self);
	}
	start_tracing(pid, PTRACE_O_TRACEEXEC);
	int status = wait_for(pid);
	if (!WIFSTOPPED(status) || WSTOPSIG(status) != SIGSTOP) {
		fact_wait_status("tracee", status);
		return SUD_EXIT_RAN;
	}
	/* Control: armed before exec. */
	get_and_print("before", pid, NULL);
	if (ptrace(PTRACE_CONT, pid, 0, 0))
		harness_error("PTRACE_CONT");
	status = wait_for(pid);
	if (!(WIFSTOPPED(status) && status >> 8 == (SIGTRAP | (PTRACE_EVENT_EXEC << 8)))) {
		fact("event", "none");
		if (!WIFSTOPPED(status))
			fact_wait_status("tracee", status);
		kill_and_reap(pid);
		return SUD_EXIT_RAN;
	}
	fact_int("event", PTRACE_EVENT_EXEC);
	/* Stopped after the new image is in place, before it runs. */
	stale_roundtrip(pid);
	kill_and_reap(pid);
	return SUD_EXIT_RAN;
}

/* The image exec-stale execs: never really runs (the tracer kills it at the exec stop). */
static int case_exec_target(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	return SUD_EXIT_RAN;
}

static const struct sud_case cases[] = {
	{"get-error", case_get_error, "VARIANT  one failing GET (size-0 size-31 size-33 null-pointer readonly-pointer kernel-pointer untraced running), then a good one"},
	{"fresh", case_fresh, "  GET on a fresh, never armed, stopped child"},
	{"set-error", case_set_error, "VARIANT  one failing SET (off-selector off-offset off-len mode-3 exclusive-wrap inclusive-empty kernel-selector selector-neg1 order size-31 null-pointer), then a good one"},
	{"roundtrip", case_roundtrip, "MODE OFFSET LEN SELECTOR  SET, GET, SET of what GET returned, GET"},
	{"set-arms", case_set_arms, "  a tracee armed only by the tracer's SET is dispatched; the SIGSYS stop's siginfo"},
	{"sigsys-stop", case_sigsys_stop, "  a self-armed tracee's SIGSYS stop: siginfo and GET at the stop"},
	{"fork-stale", case_fork_stale, "  GET/SET on the fork child of an armed tracee"},
	{"exec-stale", case_exec_stale, "  GET/SET on an armed tracee right after exec"},
	{"exec-target", case_exec_target, "  (exec'd by exec-stale; not a case of its own)"},
};
SUD_MAIN(cases)
