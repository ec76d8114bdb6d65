/* selector: the selector half of the dispatch decision (kernel-behaviour.md B8, B10, B11, B12).
 *
 * Unless a case says otherwise it arms EXCLUSIVE with the allowed region = the escape gate
 * (sud_arm_escape), so sud_gate_probe is outside the region and sud_gate_escape inside it, and
 * a dispatched probe "returns" SELECTOR_DISPATCHED_RET (set by the SIGSYS handler).
 *
 * Dispatch safety: while the selector holds anything but ALLOW, the only syscalls made outside the
 * region are the probe under test (and, for BLOCK, nothing before the handler has written ALLOW
 * back). Everything else goes through the escape gate or waits until the selector is ALLOW again.
 */
#include "sud.h"
#include <pthread.h>
#include <sys/ptrace.h>
#include <sys/resource.h>
#include <linux/futex.h>

#define SELECTOR_DISPATCHED_RET 0x5ddeadL

/* A killed fixture must die quickly: no core file (the default action of SIGSYS and SIGSEGV dumps core). */
static void no_core(void)
{
	struct rlimit nocore = {0, 0};
	setrlimit(RLIMIT_CORE, &nocore);
}

static void setup(void)
{
	sud_reset_signals();
	no_core();
	sud_require();
}

static uint8_t parse_value(const char *s)
{
	uint64_t v = arg_u64(s);
	if (v > 0xff)
		harness_error("selector value '%s' is not a byte", s);
	return (uint8_t)v;
}

/* Installs the generic handler: writes ALLOW to `selector` first, sets the distinctive return value,
 * and announces itself with `handler.entered=1` when `announce` is set. */
static void install_handler(volatile uint8_t *selector, int announce)
{
	sud_policy.selector = selector;
	sud_policy.set_return = 1;
	sud_policy.return_value = SELECTOR_DISPATCHED_RET;
	sud_policy.announce = announce;
	sud_install_sigsys(0);
}

/* A line written through the escape gate: usable whatever the selector holds, while armed with
 * sud_arm_escape (libc's write would consult the selector). */
static void escape_fact(const char *key, const char *fmt, ...)
{
	char buf[256];
	int n = snprintf(buf, sizeof buf, "%s=", key);
	va_list ap;
	va_start(ap, fmt);
	n += vsnprintf(buf + n, sizeof buf - n, fmt, ap);
	va_end(ap);
	buf[n++] = '\n';
	sud_gate_escape(SYS_write, 1, (long)buf, n, 0, 0, 0);
}

/* ---------------------------------------------------------------- value <v> (B8d, B11) */

/* Arms, sets the selector to <v>, makes one getppid outside the region. 0 runs natively, 1 is
 * dispatched, anything else kills the process with SIGSYS before the handler could run. */
static int case_value(int argc, char **argv)
{
	if (argc < 2)
		harness_error("usage: value <byte>");
	uint8_t v = parse_value(argv[1]);
	setup();
	volatile uint8_t *selector = sud_selector_page(SUD_ALLOW);
	install_handler(selector, 1);
	fact_hex("addr.after", sud_addr(sud_gate_probe_after));
	fact_hex("getppid", (uint64_t)getppid());

	struct sud_result arm = sud_arm_escape(selector);
	fact_result("arm", arm); /* printed with ALLOW: a kill before this line is not the selector's doing */
	if (arm.ret != 0)
		return SUD_EXIT_RAN;
	*selector = v;
	long ret = SUD_PROBE0(SYS_getppid);
	*selector = SUD_ALLOW;
	struct sud_sigsys_record probe_seen = sud_seen;
	/* Control (reached only for 0 and 1): BLOCK, same arming, is dispatched: the arming is live,
	 * so a kernel that accepts the prctl and ignores it cannot pass the 0x00 case. */
	sud_policy.announce = 0;
	int before = sud_seen.count;
	*selector = SUD_BLOCK;
	SUD_PROBE0(SYS_getppid);
	*selector = SUD_ALLOW;
	int control = sud_seen.count != before;
	sud_disarm_escape();
	fact_hex("probe.ret", (uint64_t)ret);
	fact_int("control.dispatched", control);
	memcpy((void *)&sud_seen, &probe_seen, sizeof sud_seen);
	fact_sigsys("sigsys");
	return SUD_EXIT_RAN;
}

/* A child's side of all-threads and traced: arm, one getppid outside the region with selector <v>,
 * report, exit. With a killing <v> the kernel ends the child at the probe. */
static __attribute__((noreturn)) void child_probe_and_exit(uint8_t v)
{
	volatile uint8_t *selector = sud_selector_page(SUD_ALLOW);
	install_handler(selector, 1);
	struct sud_result arm = sud_arm_escape(selector);
	fact_result("arm", arm);
	if (arm.ret != 0)
		_exit(0);
	*selector = v;
	long ret = SUD_PROBE0(SYS_getppid);
	*selector = SUD_ALLOW;
	sud_disarm_escape();
	fact_hex("probe.ret", (uint64_t)ret);
	_exit(0);
}

/* ---------------------------------------------------------------- all-threads <v> (B11) */

/* The child's main thread clears this word when it exits (set_tid_address) and the kernel wakes
 * futex waiters on it: the other thread returns to user space only if the main thread died alone. */
static volatile uint32_t leader_alive;
static int started_pipe[2];

static void *survivor_thread(void *arg)
{
	(void)arg;
	char c = 1;
	if (write(started_pipe[1], &c, 1) != 1)
		_exit(SUD_EXIT_HARNESS);
	uint32_t tid;
	while ((tid = leader_alive) != 0)
		syscall(SYS_futex, &leader_alive, FUTEX_WAIT, tid, NULL, NULL, 0);
	/* Reached only when the main thread exited and this one did not: a per-thread kill (pre-5.16). */
	fact("other_thread.survived", "1");
	_exit(0);
}

/* A child with two threads: the second waits in futex(FUTEX_WAIT) for the main thread to exit,
 * the main thread arms and makes a syscall with selector <v>. The parent reports how the child
 * ended. A whole-process kill gives child.signal=SIGSYS and no other_thread.survived; a kernel
 * that killed only the calling thread lets the other thread wake up, print and exit 0. */
static int case_all_threads(int argc, char **argv)
{
	if (argc < 2)
		harness_error("usage: all-threads <byte>");
	uint8_t v = parse_value(argv[1]);
	setup();
	pid_t child = fork();
	if (child < 0)
		harness_error("fork");
	if (child == 0) {
		leader_alive = (uint32_t)syscall(SYS_gettid);
		syscall(SYS_set_tid_address, &leader_alive);
		if (pipe(started_pipe))
			harness_error("pipe");
		pthread_t t;
		if (pthread_create(&t, NULL, survivor_thread, NULL))
			harness_error("pthread_create");
		char c;
		if (read(started_pipe[0], &c, 1) != 1)
			harness_error("read");
		fact("other_thread.started", "1");

		child_probe_and_exit(v);
	}
	int status;
	if (waitpid(child, &status, 0) != child)
		harness_error("waitpid");
	fact_wait_status("child", status);
	return SUD_EXIT_RAN;
}

/* ---------------------------------------------------------------- traced <v> (B11) */

/* The child is ptraced (PTRACE_O_TRACEEXIT) and makes one syscall with selector <v>. The tracer
 * lists the stops it saw in `tracer.stops` (comma-separated: `signal-SIGSYS`, `event-exit`,
 * `signal-SIGn`) and passes every signal on unchanged. */
static int case_traced(int argc, char **argv)
{
	if (argc < 2)
		harness_error("usage: traced <byte>");
	uint8_t v = parse_value(argv[1]);
	setup();
	pid_t child = fork();
	if (child < 0)
		harness_error("fork");
	if (child == 0) {
		if (ptrace(PTRACE_TRACEME, 0, 0, 0))
			harness_error("PTRACE_TRACEME");
		raise(SIGSTOP);
		child_probe_and_exit(v);
	}
	int status;
	if (waitpid(child, &status, 0) != child || !WIFSTOPPED(status) || WSTOPSIG(status) != SIGSTOP) {
		kill(child, SIGKILL);
		harness_error("the traced child did not stop with SIGSTOP");
	}
	if (ptrace(PTRACE_SETOPTIONS, child, 0, (void *)(long)(PTRACE_O_TRACEEXIT | PTRACE_O_EXITKILL)))
		harness_error("PTRACE_SETOPTIONS");
	if (ptrace(PTRACE_CONT, child, 0, 0))
		harness_error("PTRACE_CONT");
	char stops[256] = "";
	size_t used = 0;
	for (int n = 0; n < 16; n++) {
		if (waitpid(child, &status, 0) != child)
			harness_error("waitpid");
		if (!WIFSTOPPED(status))
			break;
		int deliver = 0;
		const char *what;
		char buf[32];
		if (status >> 8 == (SIGTRAP | (PTRACE_EVENT_EXIT << 8))) {
			what = "event-exit";
		} else {
			deliver = WSTOPSIG(status);
			snprintf(buf, sizeof buf, "signal-%s", sud_signal_name(deliver));
			what = buf;
		}
		used += snprintf(stops + used, sizeof stops - used, "%s%s", used ? "," : "", what);
		if (ptrace(PTRACE_CONT, child, 0, (void *)(long)deliver))
			harness_error("PTRACE_CONT");
	}
	if (WIFSTOPPED(status)) {
		kill(child, SIGKILL);
		harness_error("the traced child kept stopping");
	}
	fact("tracer.stops", "%s", used ? stops : "none");
	fact_wait_status("child", status);
	return SUD_EXIT_RAN;
}

/* ---------------------------------------------------------------- null (B8c) */

/* With a NULL selector the handler cannot write ALLOW anywhere, so it disarms through the escape
 * gate before returning: the libc restorer's rt_sigreturn then runs with SUD off (C17). */
static void null_handler(int sig, siginfo_t *info, void *uc)
{
	sud_sigsys_handler(sig, info, uc);
	sud_disarm_escape();
}

/* Per syscall: arm with selector NULL, one call through the escape gate (inside the region), one
 * through the probe gate (outside), disarm. `<name>.dispatched`, `<name>.syscall`, `<name>.ret`. */
static int case_null(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	setup();
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_sigaction = null_handler;
	sa.sa_flags = SA_SIGINFO;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGSYS, &sa, NULL))
		harness_error("sigaction");
	sud_policy.set_return = 1;
	sud_policy.return_value = SELECTOR_DISPATCHED_RET;
	fact_hex("getppid", (uint64_t)getppid());
	fact_hex("addr.after", sud_addr(sud_gate_probe_after));

	static const struct {
		const char *name;
		long nr;
	} calls[] = {{"getppid", SYS_getppid}, {"getpid", SYS_getpid}, {"nosys", 1000}};
	for (size_t i = 0; i < sizeof calls / sizeof calls[0]; i++) {
		char key[64];
		int before = sud_seen.count;
		struct sud_result arm = sud_arm_escape(NULL);
		long inside = 0, ret = 0;
		if (arm.ret == 0) {
			inside = SUD_ESCAPE0(SYS_getppid);
			ret = SUD_PROBE0(calls[i].nr);
			sud_disarm_escape(); /* when not dispatched, the handler did not */
		}
		snprintf(key, sizeof key, "%s.arm", calls[i].name);
		fact_result(key, arm);
		if (arm.ret != 0)
			continue;
		snprintf(key, sizeof key, "%s.inside", calls[i].name);
		fact_hex(key, (uint64_t)inside);
		snprintf(key, sizeof key, "%s.dispatched", calls[i].name);
		fact_int(key, sud_seen.count != before);
		snprintf(key, sizeof key, "%s.ret", calls[i].name);
		fact_hex(key, (uint64_t)ret);
		if (sud_seen.count != before) {
			snprintf(key, sizeof key, "%s.syscall", calls[i].name);
			fact_int(key, sud_seen.syscall_nr);
			snprintf(key, sizeof key, "%s.call_addr", calls[i].name);
			fact_hex(key, sud_seen.call_addr);
		}
	}
	return SUD_EXIT_RAN;
}

/* ---------------------------------------------------------------- unreadable selectors (B10, B12) */

static void escape_announce_handler(int sig)
{
	/* Announce through the escape gate (the selector is unreadable: libc's write would be killed),
	 * then end the run: reaching here at all is the deviation. */
	static const char segv[] = "sigsegv.handler.entered=1\n", sys[] = "handler.entered=1\n";
	const char *msg = sig == SIGSEGV ? segv : sys;
	size_t len = sig == SIGSEGV ? sizeof segv - 1 : sizeof sys - 1;
	sud_gate_escape(SYS_write, 1, (long)msg, (long)len, 0, 0, 0);
	sud_gate_escape(SYS_exit_group, 0, 0, 0, 0, 0, 0);
}

static void install_escape_announcers(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = escape_announce_handler;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGSEGV, &sa, NULL) || sigaction(SIGSYS, &sa, NULL))
		harness_error("sigaction");
}

enum spoil { SPOIL_UNMAP, SPOIL_PROTNONE };

/* Makes the selector page unreadable with libc's munmap/mprotect while the selector is still ALLOW:
 * that syscall reads the selector at entry, before it runs. */
static long spoil_selector(volatile uint8_t *selector, enum spoil how)
{
	void *page = (void *)selector;
	if (how == SPOIL_UNMAP)
		return munmap(page, 4096);
	return mprotect(page, 4096, PROT_NONE);
}

static int parse_spoil(const char *s, enum spoil *how)
{
	if (!strcmp(s, "unmapped"))
		*how = SPOIL_UNMAP;
	else if (!strcmp(s, "protnone"))
		*how = SPOIL_PROTNONE;
	else
		return -1;
	return 0;
}

/* unreadable <unmapped|protnone>: a syscall outside the region kills the process with SIGSEGV;
 * neither the SIGSEGV nor the SIGSYS handler runs. */
static int case_unreadable(int argc, char **argv)
{
	enum spoil how;
	if (argc < 2 || parse_spoil(argv[1], &how))
		harness_error("usage: unreadable <unmapped|protnone>");
	setup();
	volatile uint8_t *selector = sud_selector_page(SUD_ALLOW);
	install_escape_announcers();
	struct sud_result arm = sud_arm_escape(selector);
	fact_result("arm", arm);
	if (arm.ret != 0)
		return SUD_EXIT_RAN;
	long r = spoil_selector(selector, how);
	escape_fact("spoil.ret", "%ld", r);
	long ret = SUD_PROBE0(SYS_getppid);
	escape_fact("probe.ret", "0x%lx", (unsigned long)ret);
	sud_disarm_escape();
	return SUD_EXIT_RAN;
}

/* inside <byte|unmapped|protnone>: with a selector that would kill, syscalls from inside the region
 * (the escape gate) run natively: the selector is never read for them. */
static int case_inside(int argc, char **argv)
{
	enum spoil how;
	int spoil = 0;
	uint8_t v = 0;
	if (argc < 2)
		harness_error("usage: inside <byte|unmapped|protnone>");
	if (parse_spoil(argv[1], &how) == 0)
		spoil = 1;
	else
		v = parse_value(argv[1]);
	setup();
	volatile uint8_t *selector = sud_selector_page(SUD_ALLOW);
	install_handler(selector, 0);
	fact_hex("getppid", (uint64_t)getppid());
	struct sud_result arm = sud_arm_escape(selector);
	fact_result("arm", arm);
	if (arm.ret != 0)
		return SUD_EXIT_RAN;
	/* Control: BLOCK outside the region is dispatched, so the arming is live (a kernel that accepts
	 * the prctl and ignores it cannot pass); the handler puts ALLOW back. */
	*selector = SUD_BLOCK;
	SUD_PROBE0(SYS_getppid);
	*selector = SUD_ALLOW;
	fact_int("control.dispatched", sud_seen.count);
	install_escape_announcers();
	long spoil_ret = 0;
	if (spoil)
		spoil_ret = spoil_selector(selector, how);
	else
		*selector = v;
	long first = SUD_ESCAPE0(SYS_getppid);
	long second = SUD_ESCAPE0(SYS_getpid);
	long off = sud_disarm_escape(); /* prctl from inside the region, too */
	if (!spoil)
		*selector = SUD_ALLOW;
	if (spoil)
		fact_int("spoil.ret", spoil_ret);
	fact_hex("inside.getppid", (uint64_t)first);
	fact_hex("inside.getpid", (uint64_t)second);
	fact_hex("getpid", (uint64_t)getpid());
	fact_int("disarm.ret", off);
	return SUD_EXIT_RAN;
}

/* ---------------------------------------------------------------- readonly (B6, B12) */

/* The selector is a read-only view of a memfd page; the handler writes ALLOW through a second,
 * writable view of the same page. BLOCK -> dispatched, then (ALLOW written by the handler) native. */
static int case_readonly(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	setup();
	int fd = (int)syscall(SYS_memfd_create, "sudcheck-selector", 0);
	if (fd < 0)
		harness_error("memfd_create");
	if (ftruncate(fd, 4096))
		harness_error("ftruncate");
	volatile uint8_t *ro = mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, 0);
	volatile uint8_t *rw = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (ro == MAP_FAILED || rw == MAP_FAILED)
		harness_error("mmap memfd");
	install_handler(rw, 0);
	fact_hex("getppid", (uint64_t)getppid());
	fact_hex("addr.after", sud_addr(sud_gate_probe_after));
	fact_int("views.distinct", ro != rw);
	struct sud_result arm = sud_arm_escape(ro);
	if (arm.ret == 0) {
		long r1, r2;
		int c0 = sud_seen.count;
		*rw = SUD_BLOCK;
		r1 = SUD_PROBE0(SYS_getppid);
		int c1 = sud_seen.count;
		*rw = SUD_ALLOW;
		r2 = SUD_PROBE0(SYS_getppid);
		int c2 = sud_seen.count;
		sud_disarm_escape();
		fact_result("arm", arm);
		fact_int("block.dispatched", c1 != c0);
		fact_hex("block.ret", (uint64_t)r1);
		fact_int("allow.dispatched", c2 != c1);
		fact_hex("allow.ret", (uint64_t)r2);
		fact_sigsys("sigsys");
	} else {
		fact_result("arm", arm);
	}
	return SUD_EXIT_RAN;
}

/* ---------------------------------------------------------------- reread (B10) */

/* One arming, the selector rewritten between calls (no syscall in between): the decision follows
 * the byte at each syscall. `pattern` lists the dispatch outcome of each call, `selectors` what the
 * selector held. */
static int case_reread(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	static const uint8_t seq[] = {SUD_ALLOW, SUD_BLOCK, SUD_ALLOW, SUD_ALLOW, SUD_BLOCK, SUD_BLOCK, SUD_ALLOW};
	enum { N = sizeof seq };
	setup();
	volatile uint8_t *selector = sud_selector_page(SUD_ALLOW);
	install_handler(selector, 0);
	char pattern[N + 1], selectors[N + 1];
	struct sud_result arm = sud_arm_escape(selector);
	if (arm.ret == 0) {
		for (int i = 0; i < N; i++) {
			int before = sud_seen.count;
			*selector = seq[i];
			SUD_PROBE0(SYS_getppid);
			pattern[i] = sud_seen.count != before ? '1' : '0';
			selectors[i] = (char)('0' + seq[i]);
		}
		sud_disarm_escape();
	}
	pattern[N] = selectors[N] = 0;
	fact_result("arm", arm);
	if (arm.ret == 0) {
		fact("selectors", "%s", selectors);
		fact("pattern", "%s", pattern);
	}
	return SUD_EXIT_RAN;
}

/* ---------------------------------------------------------------- flip-by <thread|process> (B10) */

static volatile uint8_t *flip_selector;
static int go_pipe[2], done_pipe[2];

/* Waits for "go", writes BLOCK to the selector, answers "done". Not armed: SUD is per thread (F28)
 * and a fork child starts disarmed (F29). */
static void flipper(void)
{
	char c;
	if (read(go_pipe[0], &c, 1) != 1)
		_exit(SUD_EXIT_HARNESS);
	*flip_selector = SUD_BLOCK;
	if (write(done_pipe[1], &c, 1) != 1)
		_exit(SUD_EXIT_HARNESS);
}

static void *flipper_thread(void *arg)
{
	(void)arg;
	flipper();
	return NULL;
}

/* The armed main thread makes a syscall (ALLOW: native), then wakes the flipper and waits for it
 * through the escape gate (inside the region, so those syscalls never consult the selector), then
 * makes the same syscall again: dispatched, because the flipper wrote BLOCK in between. */
static int case_flip_by(int argc, char **argv)
{
	if (argc < 2 || (strcmp(argv[1], "thread") && strcmp(argv[1], "process")))
		harness_error("usage: flip-by <thread|process>");
	int by_process = !strcmp(argv[1], "process");
	setup();
	if (by_process) {
		flip_selector = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
		if (flip_selector == MAP_FAILED)
			harness_error("mmap shared");
		*flip_selector = SUD_ALLOW;
	} else {
		flip_selector = sud_selector_page(SUD_ALLOW);
	}
	if (pipe(go_pipe) || pipe(done_pipe))
		harness_error("pipe");
	pthread_t t;
	pid_t child = -1;
	if (by_process) {
		child = fork();
		if (child < 0)
			harness_error("fork");
		if (child == 0) {
			flipper();
			_exit(0);
		}
	} else if (pthread_create(&t, NULL, flipper_thread, NULL)) {
		harness_error("pthread_create");
	}
	install_handler(flip_selector, 0);
	fact_hex("getppid", (uint64_t)getppid());
	fact_hex("addr.after", sud_addr(sud_gate_probe_after));

	struct sud_result arm = sud_arm_escape(flip_selector);
	long r1 = 0, r2 = 0, w = 0, rd = 0;
	int d1 = 0, d2 = 0;
	uint8_t seen_before = 0;
	if (arm.ret == 0) {
		int c0 = sud_seen.count;
		r1 = SUD_PROBE0(SYS_getppid);
		d1 = sud_seen.count != c0;
		char c = 1;
		w = sud_gate_escape(SYS_write, go_pipe[1], (long)&c, 1, 0, 0, 0);
		rd = sud_gate_escape(SYS_read, done_pipe[0], (long)&c, 1, 0, 0, 0);
		seen_before = *flip_selector;
		int c1 = sud_seen.count;
		r2 = SUD_PROBE0(SYS_getppid);
		d2 = sud_seen.count != c1;
		*flip_selector = SUD_ALLOW;
		sud_disarm_escape();
	}
	fact_result("arm", arm);
	if (arm.ret == 0) {
		fact_int("sync.write", w);
		fact_int("sync.read", rd);
		fact_int("before.dispatched", d1);
		fact_hex("before.ret", (uint64_t)r1);
		fact_int("selector.after_flip", seen_before);
		fact_int("after.dispatched", d2);
		fact_hex("after.ret", (uint64_t)r2);
		fact_sigsys("sigsys");
	}
	if (by_process) {
		int status;
		if (arm.ret != 0)
			kill(child, SIGKILL);
		waitpid(child, &status, 0);
	} else if (arm.ret == 0) {
		pthread_join(t, NULL);
	}
	return SUD_EXIT_RAN;
}

static const struct sud_case cases[] = {
	{"value", case_value, "<byte>  selector <byte> for a syscall outside the region (0: native, 1: dispatched, else SIGSYS kill)"},
	{"all-threads", case_all_threads, "<byte>  as value, in a forked child with a second thread; the parent reports"},
	{"traced", case_traced, "<byte>  as value, in a ptraced child; the tracer lists the stops it saw"},
	{"null", case_null, "  NULL selector: inside the region native, outside dispatched"},
	{"unreadable", case_unreadable, "<unmapped|protnone>  selector made unreadable after arming, then a syscall outside"},
	{"inside", case_inside, "<byte|unmapped|protnone>  a killing selector, syscalls only from inside the region"},
	{"readonly", case_readonly, "  read-only view of a memfd page as the selector"},
	{"reread", case_reread, "  the selector rewritten between syscalls of one arming"},
	{"flip-by", case_flip_by, "<thread|process>  another thread or process writes BLOCK between two syscalls"},
};
SUD_MAIN(cases)
