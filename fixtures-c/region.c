/* region: the region half of the dispatch decision (kernel-behaviour.md B8, B9).
 *
 *   region exclusive <base> <delta> <len> [allow|block]...
 *   region inclusive <base> <delta> <len> [allow|block]...
 *
 * The region is [base + delta, base + delta + len), where <base> is one of the labels below and
 * <len> is a number (negative = two's complement) or `to:<label>[+-N]` (the region then ends there).
 *   zero   address 0
 *   gate   sud_gate_probe, the start of the probe gate function
 *   insn   sud_gate_probe_insn, the 2-byte `syscall` instruction (I)
 *   after  sud_gate_probe_after = I + 2, the address the kernel compares (A)
 *   end    sud_gate_probe_end, the end of the probe gate function
 *
 * The fixture arms the given mode with that region and a selector, then makes one
 * getppid through sud_gate_probe for each selector value listed (default: one call with BLOCK),
 * without re-arming in between. The SIGSYS handler writes ALLOW to the selector and sets a
 * distinctive return value. Facts for the first call are `dispatched`, `probe.ret`; for call
 * N >= 2 they are `callN.dispatched`, `callN.ret`. Before those calls, one control getppid through
 * sud_gate_escape with BLOCK gives `control.dispatched` (see below). Also printed: `arm.ret`/`arm.errno`,
 * `getppid` (the real value), the label addresses `addr.*`, `region.offset`/`region.len`, and
 * `sigsys.*` for the last dispatch (fact_sigsys).
 *
 * Dispatch safety: the selector is BLOCK only between the fixture's write and the probe's syscall,
 * and the handler sets it back to ALLOW before the libc restorer's rt_sigreturn (C17). Every other
 * syscall made while armed (libc's, the restorer's) therefore runs with ALLOW, whatever the region
 * covers, in both modes.
 */
#include "sud.h"
#include <sys/resource.h>

extern const char sud_gate_probe_end[];

/* What the SIGSYS handler makes a dispatched getppid return: never a real pid. */
#define REGION_DISPATCHED_RET 0x5ddeadL

static int label_addr(const char *name, uint64_t *out)
{
	if (!strcmp(name, "zero"))
		*out = 0;
	else if (!strcmp(name, "gate"))
		*out = (uint64_t)(uintptr_t)sud_gate_probe;
	else if (!strcmp(name, "insn"))
		*out = sud_addr(sud_gate_probe_insn);
	else if (!strcmp(name, "after"))
		*out = sud_addr(sud_gate_probe_after);
	else if (!strcmp(name, "end"))
		*out = sud_addr(sud_gate_probe_end);
	else
		return -1;
	return 0;
}

/* `to:after+1`, `to:insn`, `to:zero-1`: an end address. */
static uint64_t parse_end(const char *spec)
{
	char name[16];
	size_t n = strcspn(spec, "+-");
	uint64_t base;
	if (n >= sizeof name)
		harness_error("bad region end '%s'", spec);
	memcpy(name, spec, n);
	name[n] = 0;
	if (label_addr(name, &base))
		harness_error("unknown label '%s'", name);
	if (!spec[n])
		return base;
	return base + arg_u64(spec[n] == '+' ? spec + n + 1 : spec + n);
}

static int case_region(int argc, char **argv)
{
	if (argc < 4)
		harness_error("usage: region %s <base> <delta> <len|to:label[+-N]> [allow|block]...", argv[0]);
	sud_reset_signals();
	struct rlimit nocore = {0, 0};
	setrlimit(RLIMIT_CORE, &nocore);
	sud_require();

	uint64_t mode;
	if (!strcmp(argv[0], "exclusive"))
		mode = SUD_EXCLUSIVE;
	else if (!strcmp(argv[0], "inclusive"))
		mode = SUD_INCLUSIVE;
	else
		harness_error("unknown mode '%s'", argv[0]);

	uint64_t base, offset, len;
	if (label_addr(argv[1], &base))
		harness_error("unknown label '%s'", argv[1]);
	offset = base + arg_u64(argv[2]);
	if (!strncmp(argv[3], "to:", 3))
		len = parse_end(argv[3] + 3) - offset;
	else
		len = arg_u64(argv[3]);

	int ncalls = argc > 4 ? argc - 4 : 1;
	uint8_t values[16];
	if (ncalls > 16)
		harness_error("at most 16 calls");
	for (int i = 0; i < ncalls; i++) {
		const char *v = argc > 4 ? argv[4 + i] : "block";
		if (!strcmp(v, "allow"))
			values[i] = SUD_ALLOW;
		else if (!strcmp(v, "block"))
			values[i] = SUD_BLOCK;
		else
			harness_error("selector value must be allow or block, not '%s'", v);
	}

	volatile uint8_t *selector = sud_selector_page(SUD_ALLOW);

	if (mode == SUD_INCLUSIVE) {
		/* A region kernels without INCLUSIVE (before 6.17) reject and every INCLUSIVE kernel accepts (A5). */
		struct sud_result probe = sud_prctl(SUD_INCLUSIVE, 0x1000, 0x1000, sud_addr(selector));
		sud_prctl(SUD_OFF, 0, 0, 0);
		if (probe.ret != 0)
			skip("PR_SYS_DISPATCH_INCLUSIVE_ON rejected with %s (added in 6.17)", errno_name(probe.err));
	}

	fact_hex("addr.gate", (uint64_t)(uintptr_t)sud_gate_probe);
	fact_hex("addr.insn", sud_addr(sud_gate_probe_insn));
	fact_hex("addr.after", sud_addr(sud_gate_probe_after));
	fact_hex("addr.end", sud_addr(sud_gate_probe_end));
	fact_hex("addr.escape_after", sud_addr(sud_gate_escape_after));
	fact_hex("region.offset", offset);
	fact_hex("region.len", len);
	fact_hex("region.last", offset + len - 1);
	fact_hex("getppid", (uint64_t)getppid());

	sud_policy.selector = selector;
	sud_policy.set_return = 1;
	sud_policy.return_value = REGION_DISPATCHED_RET;
	sud_install_sigsys(0);

	long ret[16];
	int dispatched[16];
	struct sud_result arm = sud_prctl(mode, offset, len, sud_addr(selector));
	int control = 0;
	if (arm.ret == 0) {
		/* Control: the same getppid through the escape gate, a separate gate past the probe gate's
		 * end. It is dispatched iff the escape gate is outside an EXCLUSIVE region or inside an
		 * INCLUSIVE one: proof that the arming is live, so a kernel that accepts the prctl and
		 * ignores it cannot pass a "runs natively" row. Then the record is cleared for the probe. */
		*selector = SUD_BLOCK;
		sud_gate_escape(SYS_getppid, 0, 0, 0, 0, 0, 0);
		*selector = SUD_ALLOW;
		control = sud_seen.count != 0;
		memset((void *)&sud_seen, 0, sizeof sud_seen);
		for (int i = 0; i < ncalls; i++) {
			int before = sud_seen.count;
			*selector = values[i];
			ret[i] = SUD_PROBE0(SYS_getppid);
			/* Back to ALLOW before any other syscall, whatever happened. */
			*selector = SUD_ALLOW;
			dispatched[i] = sud_seen.count != before;
		}
	}
	struct sud_result off = sud_prctl(SUD_OFF, 0, 0, 0);

	fact_result("arm", arm);
	if (arm.ret == 0) {
		fact_int("control.dispatched", control);
		for (int i = 0; i < ncalls; i++) {
			char key[32];
			if (i == 0) {
				fact_int("dispatched", dispatched[0]);
				fact_hex("probe.ret", (uint64_t)ret[0]);
			} else {
				snprintf(key, sizeof key, "call%d.dispatched", i + 1);
				fact_int(key, dispatched[i]);
				snprintf(key, sizeof key, "call%d.ret", i + 1);
				fact_hex(key, (uint64_t)ret[i]);
			}
		}
	}
	fact_result("disarm", off);
	fact_sigsys("sigsys");
	return SUD_EXIT_RAN;
}

static const struct sud_case cases[] = {
	{"exclusive", case_region,
	 "<zero|gate|insn|after|end> <delta> <len|to:label[+-N]> [allow|block]...\n"
	 "      arm EXCLUSIVE with that region, probe getppid once per selector value (default: block)"},
	{"inclusive", case_region, "  the same, INCLUSIVE (6.17+)"},
};
SUD_MAIN(cases)
