/* prctl: behaviour family A (kernel-behaviour.md items 1-7), prctl(PR_SET_SYSCALL_USER_DISPATCH)
 * validation. Every case prints what prctl returned (`<step>.ret`, `<step>.errno`) and, where a
 * configuration is exercised, what a probe syscall did; suites/prctl.ts judges.
 *
 * Safety rule for every arming call here: whatever the kernel accepts, the syscalls that follow up
 * to the disarm must run natively, or the fixture dies before it can report. So the selector is
 * ALLOW, or the allowed region covers everything (EXCLUSIVE 0,-1), or the following syscalls go
 * through a gate that the armed region allows; and facts are printed only once disarmed. */
#include "sud.h"
#include <linux/prctl.h>
#include <sys/syscall.h>

/* Defined by the gate asm in sud.h, which declares only the escape gate's end label. */
extern const char sud_gate_probe_end[];

/* ---------------------------------------------------------------- helpers */

static uint64_t escape_off(void) { return sud_addr(sud_gate_escape_insn); }
static uint64_t escape_len(void) { return sud_addr(sud_gate_escape_end) - escape_off(); }
static uint64_t probe_off(void) { return sud_addr(sud_gate_probe_insn); }
static uint64_t probe_len(void) { return sud_addr(sud_gate_probe_end) - probe_off(); }

/* An address argument: a number, or `escape` for the escape gate's start / length. */
static uint64_t arg_region(const char *s, int want_len)
{
	if (!strcmp(s, "escape"))
		return want_len ? escape_len() : escape_off();
	return arg_u64(s);
}

/* A page with no mapping: map one, then unmap it (nothing else is mapped there in between). */
static uint64_t unmapped_address(void)
{
	void *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		harness_error("mmap");
	if (munmap(p, 4096))
		harness_error("munmap");
	return sud_addr(p);
}

/* Two views of one byte: `ro` mapped read-only (what the kernel reads), `rw` writable (what the
 * SIGSYS handler writes ALLOW through). */
struct selector_alias {
	volatile uint8_t *ro, *rw;
};

static struct selector_alias readonly_selector(uint8_t initial)
{
	int fd = (int)syscall(SYS_memfd_create, "sudcheck-selector", 0);
	if (fd < 0)
		harness_error("memfd_create");
	if (ftruncate(fd, 4096))
		harness_error("ftruncate");
	void *rw = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	void *ro = mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, 0);
	if (rw == MAP_FAILED || ro == MAP_FAILED)
		harness_error("mmap memfd");
	close(fd);
	*(volatile uint8_t *)rw = initial;
	return (struct selector_alias){.ro = ro, .rw = rw};
}

/* A selector argument: allow (a mapped ALLOW byte), null, unmapped, prot-none, readonly (a read-only
 * mapping holding ALLOW), or a raw address. */
static uint64_t arg_selector(const char *s)
{
	if (!strcmp(s, "allow"))
		return sud_addr(sud_selector_page(SUD_ALLOW));
	if (!strcmp(s, "null"))
		return 0;
	if (!strcmp(s, "unmapped"))
		return unmapped_address();
	if (!strcmp(s, "prot-none")) {
		volatile uint8_t *p = sud_selector_page(SUD_ALLOW);
		if (mprotect((void *)p, 4096, PROT_NONE))
			harness_error("mprotect PROT_NONE");
		return sud_addr(p);
	}
	if (!strcmp(s, "readonly"))
		return sud_addr(readonly_selector(SUD_ALLOW).ro);
	return arg_u64(s);
}

/* Raw gate results are -errno on failure; print them like fact_result(). */
static void fact_raw(const char *prefix, long raw)
{
	struct sud_result r = {.ret = raw < 0 && raw > -4096 ? -1 : raw, .err = raw < 0 && raw > -4096 ? (int)-raw : 0};
	fact_result(prefix, r);
}

/* Addresses and parent pid, printed by the cases that compare against them. */
static void fact_gates(void)
{
	fact_hex("addr.probe_after", sud_addr(sud_gate_probe_after));
	fact_hex("addr.escape_after", sud_addr(sud_gate_escape_after));
}

/* One syscall through a gate, and how many SIGSYS it raised; `handler_writes` is the byte the
 * SIGSYS handler sets to ALLOW before returning (so the libc restorer's rt_sigreturn runs). */
struct phase {
	long ret;
	int sigsys;
	uint64_t call_addr;
};

static struct phase run_phase(int through_probe, volatile uint8_t *handler_writes)
{
	int before = sud_seen.count;
	sud_policy.selector = handler_writes;
	struct phase p;
	p.ret = through_probe ? SUD_PROBE0(SYS_getppid) : SUD_ESCAPE0(SYS_getppid);
	p.sigsys = sud_seen.count - before;
	p.call_addr = p.sigsys ? sud_seen.call_addr : 0;
	return p;
}

static void fact_phase(const char *prefix, struct phase p)
{
	char key[96];
	snprintf(key, sizeof key, "%s.ret", prefix);
	fact_int(key, p.ret);
	snprintf(key, sizeof key, "%s.sigsys", prefix);
	fact_int(key, p.sigsys);
	if (p.sigsys) {
		snprintf(key, sizeof key, "%s.call_addr", prefix);
		fact_hex(key, p.call_addr);
	}
}

/* ---------------------------------------------------------------- A2: OFF with fields */

static int off_field(int argc, char **argv)
{
	if (argc != 3)
		harness_error("usage: off-field none|offset|len|selector|all idle|armed");
	const char *which = argv[1];
	int armed = !strcmp(argv[2], "armed");
	if (!armed && strcmp(argv[2], "idle"))
		harness_error("second argument must be idle or armed");
	sud_reset_signals();
	sud_require();

	volatile uint8_t *sel = sud_selector_page(SUD_ALLOW);
	/* Valid-looking values: the escape region and a mapped selector byte. */
	uint64_t off = 0, len = 0, s = 0;
	int all = !strcmp(which, "all");
	if (all || !strcmp(which, "offset"))
		off = escape_off();
	if (all || !strcmp(which, "len"))
		len = escape_len();
	if (all || !strcmp(which, "selector"))
		s = sud_addr(sel);
	if (!all && strcmp(which, "offset") && strcmp(which, "len") && strcmp(which, "selector") && strcmp(which, "none"))
		harness_error("unknown field '%s'", which);

	if (!armed) {
		struct sud_result r = sud_prctl(SUD_OFF, off, len, s);
		fact_result("off", r);
		return 0;
	}

	/* Armed with the escape region and an ALLOW selector: everything still runs natively. Around the
	 * OFF attempt, BLOCK makes a probe syscall tell whether the configuration is in force: `before`
	 * is the control (armed), `after` the answer. */
	pid_t ppid = getppid();
	sud_install_sigsys(0);
	struct sud_result arm = sud_arm_escape(sel);
	*sel = SUD_BLOCK;
	struct phase before = run_phase(1, sel);
	*sel = SUD_ALLOW;
	struct sud_result r = sud_prctl(SUD_OFF, off, len, s);
	*sel = SUD_BLOCK;
	struct phase after = run_phase(1, sel);
	long disarm = sud_disarm_escape();
	*sel = SUD_ALLOW;

	fact_result("arm", arm);
	fact_int("ppid", ppid);
	fact_gates();
	fact_phase("before", before);
	fact_result("off", r);
	fact_phase("after", after);
	fact_raw("disarm", disarm);
	return 0;
}

/* ---------------------------------------------------------------- A3-A6: one arming call */

/* `arm OP OFFSET LEN SELECTOR`: one prctl, then OFF, both reported. The scenario picks arguments
 * for which anything the kernel might accept leaves the following syscalls native (see the top). */
static int arm_once(int argc, char **argv)
{
	if (argc != 5)
		harness_error("usage: arm OP OFFSET|escape LEN|escape SELECTOR");
	sud_reset_signals();
	sud_require();
	uint64_t op = arg_u64(argv[1]);
	uint64_t off = arg_region(argv[2], 0);
	uint64_t len = arg_region(argv[3], 1);
	uint64_t s = arg_selector(argv[4]);

	struct sud_result arm = sud_prctl(op, off, len, s);
	struct sud_result off_r = sud_prctl(SUD_OFF, 0, 0, 0);

	fact_result("arm", arm);
	fact_result("disarm", off_r);
	return 0;
}

/* ---------------------------------------------------------------- A6: a read-only selector works */

/* `readonly-selector allow|block`: armed with the escape region and a read-only selector holding the
 * value, a probe syscall (`probe`); then the other value, written through the writable view, and a
 * second probe (`control`), which shows that the first answer came from the selector's value. */
static int readonly_dispatch(int argc, char **argv)
{
	if (argc != 2 || (strcmp(argv[1], "allow") && strcmp(argv[1], "block")))
		harness_error("usage: readonly-selector allow|block");
	uint8_t value = !strcmp(argv[1], "block") ? SUD_BLOCK : SUD_ALLOW;
	sud_reset_signals();
	sud_require();
	struct selector_alias sel = readonly_selector(value);
	pid_t ppid = getppid();
	sud_install_sigsys(0);

	struct sud_result arm = sud_arm_escape(sel.ro);
	if (arm.ret != 0) {
		fact_result("arm", arm);
		return 0;
	}
	/* the handler writes through the writable view: it cannot write the read-only one */
	struct phase probe = run_phase(1, sel.rw);
	*sel.rw = value == SUD_BLOCK ? SUD_ALLOW : SUD_BLOCK;
	struct phase control = run_phase(1, sel.rw);
	long disarm = sud_disarm_escape();
	*sel.rw = SUD_ALLOW;

	fact_result("arm", arm);
	fact_int("ppid", ppid);
	fact_gates();
	fact_phase("probe", probe);
	fact_phase("control", control);
	fact_raw("disarm", disarm);
	fact_sigsys("sigsys"); /* the run's one SIGSYS, from whichever phase was dispatched */
	return 0;
}

/* ---------------------------------------------------------------- A7: re-arming */

static int parse_mode(const char *s)
{
	if (!strcmp(s, "exclusive"))
		return 1;
	if (!strcmp(s, "inclusive"))
		return 2;
	harness_error("mode must be exclusive or inclusive, not '%s'", s);
}

/* Config 1 lets the probe gate run natively and dispatches the escape gate (selector S1);
 * config 2 is the other way round (selector S2):
 *   config 1: exclusive = EXCLUSIVE over the probe gate;  inclusive = INCLUSIVE over the escape gate
 *   config 2: exclusive = EXCLUSIVE over the escape gate; inclusive = INCLUSIVE over the probe gate
 * Re-arming is done through the probe gate, which config 1 runs natively whatever S1 holds. */
static int rearm(int argc, char **argv)
{
	if (argc != 3)
		harness_error("usage: rearm exclusive|inclusive exclusive|inclusive");
	int mode1 = parse_mode(argv[1]), mode2 = parse_mode(argv[2]);
	sud_reset_signals();
	sud_require();
	volatile uint8_t *page = sud_selector_page(SUD_ALLOW);
	volatile uint8_t *s1 = page, *s2 = page + 64;
	pid_t ppid = getppid();
	sud_install_sigsys(0);

	uint64_t off1 = mode1 == 1 ? probe_off() : escape_off();
	uint64_t len1 = mode1 == 1 ? probe_len() : escape_len();
	uint64_t off2 = mode2 == 1 ? escape_off() : probe_off();
	uint64_t len2 = mode2 == 1 ? escape_len() : probe_len();

	/* Config 1, selector S1 = BLOCK. From here until the disarm, only the gates make syscalls. */
	*s1 = SUD_BLOCK;
	*s2 = SUD_ALLOW;
	struct sud_result arm1 = sud_prctl((uint64_t)mode1, off1, len1, sud_addr(s1));
	if (arm1.ret != 0) {
		fact_result("arm1", arm1);
		return 0;
	}
	/* Control: config 1 is in force (probe native, escape dispatched by S1). */
	struct phase c_probe = run_phase(1, s1);
	struct phase c_escape = run_phase(0, s1);
	*s1 = SUD_BLOCK; /* the handler wrote ALLOW */

	/* Re-arm with config 2 through the probe gate (native under config 1). */
	*s2 = SUD_BLOCK;
	long arm2 = sud_gate_probe(SYS_prctl, SUD_PR_SET, mode2, (long)off2, (long)len2, (long)sud_addr(s2), 0);

	/* a: old selector ALLOW, new BLOCK: the probe is dispatched iff the new region and the new
	 *    selector are both in force (the old region allowed it; the old selector allows it). */
	*s1 = SUD_ALLOW;
	*s2 = SUD_BLOCK;
	struct phase a = run_phase(1, s2);
	/* b: old selector BLOCK, new ALLOW: the probe runs natively iff the old selector is gone. */
	*s1 = SUD_BLOCK;
	*s2 = SUD_ALLOW;
	struct phase b = run_phase(1, s1);
	/* c: old selector ALLOW, new BLOCK: the escape gate runs natively iff the new region covers it
	 *    (the old one dispatched it). */
	*s1 = SUD_ALLOW;
	*s2 = SUD_BLOCK;
	struct phase c = run_phase(0, s2);

	/* Both selectors ALLOW: the OFF runs natively under either configuration. */
	*s1 = SUD_ALLOW;
	*s2 = SUD_ALLOW;
	struct sud_result disarm = sud_prctl(SUD_OFF, 0, 0, 0);

	fact_result("arm1", arm1);
	fact_int("ppid", ppid);
	fact_gates();
	fact_phase("config1.probe", c_probe);
	fact_phase("config1.escape", c_escape);
	fact_raw("arm2", arm2);
	fact_phase("config2.probe", a);
	fact_phase("config2.probe-old-selector-block", b);
	fact_phase("config2.escape", c);
	fact_result("disarm", disarm);
	return 0;
}

/* ---------------------------------------------------------------- A1: constants by number */

/* `constants 0|1`: the numbers written out, not the header's names: 59 = PR_SET_SYSCALL_USER_DISPATCH,
 * op 1 = ON/EXCLUSIVE_ON, selector byte 0 = ALLOW, 1 = BLOCK. Armed with the escape gate as region
 * and the given byte, a probe syscall (`probe`); then the other byte and a second probe (`control`). */
static int constants(int argc, char **argv)
{
	if (argc != 2 || (strcmp(argv[1], "0") && strcmp(argv[1], "1")))
		harness_error("usage: constants 0|1   (the selector byte)");
	uint8_t value = (uint8_t)atoi(argv[1]);
	sud_reset_signals();
	sud_require();
	volatile uint8_t *sel = sud_selector_page(value);
	pid_t ppid = getppid();
	sud_install_sigsys(0);

	errno = 0;
	long ret = syscall(SYS_prctl, 59, 1UL, escape_off(), escape_len(), sud_addr(sel));
	struct sud_result arm = {.ret = ret, .err = ret == -1 ? errno : 0};
	if (ret != 0) {
		fact_result("arm", arm);
		return 0;
	}
	struct phase probe = run_phase(1, sel);
	*sel = value ? 0 : 1;
	struct phase control = run_phase(1, sel);
	long disarm = sud_disarm_escape();
	*sel = 0;

	fact_result("arm", arm);
	fact_int("ppid", ppid);
	fact_gates();
	fact_phase("probe", probe);
	fact_phase("control", control);
	fact_raw("disarm", disarm);
	fact_sigsys("sigsys"); /* the run's one SIGSYS, from whichever phase was dispatched */
	return 0;
}

/* ---------------------------------------------------------------- A1: the UAPI headers */

/* `uapi-header GROUP`: the values the build's headers give. A group the header lacks is a skip. */
static int uapi_header(int argc, char **argv)
{
	if (argc != 2)
		harness_error("usage: uapi-header prctl|modes|siginfo");
	const char *g = argv[1];
	if (!strcmp(g, "prctl")) {
#if defined(PR_SET_SYSCALL_USER_DISPATCH) && defined(PR_SYS_DISPATCH_OFF) && defined(PR_SYS_DISPATCH_ON) && \
	defined(SYSCALL_DISPATCH_FILTER_ALLOW) && defined(SYSCALL_DISPATCH_FILTER_BLOCK)
		fact_int("header.pr_set_syscall_user_dispatch", PR_SET_SYSCALL_USER_DISPATCH);
		fact_int("header.pr_sys_dispatch_off", PR_SYS_DISPATCH_OFF);
		fact_int("header.pr_sys_dispatch_on", PR_SYS_DISPATCH_ON);
		fact_int("header.syscall_dispatch_filter_allow", SYSCALL_DISPATCH_FILTER_ALLOW);
		fact_int("header.syscall_dispatch_filter_block", SYSCALL_DISPATCH_FILTER_BLOCK);
		return 0;
#else
		skip("<linux/prctl.h> lacks PR_SET_SYSCALL_USER_DISPATCH, PR_SYS_DISPATCH_OFF/ON or SYSCALL_DISPATCH_FILTER_ALLOW/BLOCK (pre-5.11 headers)");
#endif
	}
	if (!strcmp(g, "modes")) {
#if defined(PR_SYS_DISPATCH_EXCLUSIVE_ON) && defined(PR_SYS_DISPATCH_INCLUSIVE_ON)
		fact_int("header.pr_sys_dispatch_exclusive_on", PR_SYS_DISPATCH_EXCLUSIVE_ON);
		fact_int("header.pr_sys_dispatch_inclusive_on", PR_SYS_DISPATCH_INCLUSIVE_ON);
		return 0;
#else
		skip("<linux/prctl.h> lacks PR_SYS_DISPATCH_EXCLUSIVE_ON/INCLUSIVE_ON (headers older than 6.17)");
#endif
	}
	if (!strcmp(g, "siginfo")) {
		/* <asm-generic/siginfo.h> cannot be included next to glibc's <signal.h>; libc must export it. */
#if defined(SYS_USER_DISPATCH) && defined(SYS_SECCOMP)
		fact_int("header.sys_user_dispatch", SYS_USER_DISPATCH);
		fact_int("header.sys_seccomp", SYS_SECCOMP);
		return 0;
#else
		skip("the C library's <signal.h> does not define SYS_USER_DISPATCH and SYS_SECCOMP");
#endif
	}
	harness_error("unknown header group '%s'", g);
}

static const struct sud_case cases[] = {
	{"off-field", off_field, "none|offset|len|selector|all idle|armed"},
	{"arm", arm_once, "OP OFFSET|escape LEN|escape allow|null|unmapped|prot-none|readonly|ADDRESS"},
	{"readonly-selector", readonly_dispatch, "allow|block"},
	{"rearm", rearm, "exclusive|inclusive exclusive|inclusive   (mode of config 1, of config 2)"},
	{"constants", constants, "0|1   (selector byte)"},
	{"uapi-header", uapi_header, "prctl|modes|siginfo"},
};
SUD_MAIN(cases)
