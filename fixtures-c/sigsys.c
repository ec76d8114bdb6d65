/* sigsys: what the SIGSYS handler sees for a dispatched syscall (kernel-behaviour.md C13-C14).
 *
 *   sigsys dispatch RAX RDI RSI RDX R10 R8 R9 [set-return VALUE]
 *
 * Arms EXCLUSIVE with a BLOCK selector and the escape gate as the allowed region, installs the
 * generic handler (which writes ALLOW to the selector, so that the libc restorer outside the
 * region can run rt_sigreturn: D22), and makes one syscall through sud_gate_probe with exactly
 * these register values (rax is the full 64-bit "number"). With `set-return` the handler writes
 * VALUE to REG_RAX; without it the handler leaves RAX alone.
 *
 * Facts: arm.ret/arm.errno, gate.probe_insn, gate.probe_after (the address the kernel compares),
 * call.ret (what the probe call returned, hex), sigsys.* (fact_sigsys: siginfo fields and the
 * registers of the ucontext), and sigsys.efl (REG_EFL of the ucontext, the interrupted RFLAGS, so
 * that REG_R11 can be compared with it).
 */
#include "sud.h"

static uint64_t seen_efl;

/* The generic handler, plus the one register it does not record. */
static void record_efl_handler(int sig, siginfo_t *info, void *uc_)
{
	ucontext_t *uc = uc_;
	seen_efl = (uint64_t)uc->uc_mcontext.gregs[REG_EFL];
	sud_sigsys_handler(sig, info, uc_);
}

static int case_dispatch(int argc, char **argv)
{
	if (argc != 8 && !(argc == 10 && !strcmp(argv[8], "set-return")))
		harness_error("usage: dispatch RAX RDI RSI RDX R10 R8 R9 [set-return VALUE]");
	uint64_t rax = arg_u64(argv[1]);
	uint64_t a[6];
	for (int i = 0; i < 6; i++)
		a[i] = arg_u64(argv[2 + i]);

	sud_reset_signals();
	sud_require();

	volatile uint8_t *selector = sud_selector_page(SUD_BLOCK);
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_sigaction = record_efl_handler;
	sa.sa_flags = SA_SIGINFO;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGSYS, &sa, NULL))
		harness_error("sigaction(SIGSYS)");
	sud_policy.selector = selector;
	if (argc == 10) {
		sud_policy.set_return = 1;
		sud_policy.return_value = (long)arg_u64(argv[9]);
	}

	fact_hex("gate.probe_insn", sud_addr(sud_gate_probe_insn));
	fact_hex("gate.probe_after", sud_addr(sud_gate_probe_after));

	/* Nothing between arming and disarming may make a syscall outside the escape gate while the
	 * selector is BLOCK: the handler sets ALLOW, and the probe call is the only one made. */
	struct sud_result arm = sud_arm_escape(selector);
	long ret = sud_gate_probe((long)rax, (long)a[0], (long)a[1], (long)a[2], (long)a[3], (long)a[4], (long)a[5]);
	long off = sud_disarm_escape();

	fact_result("arm", arm);
	fact_hex("call.ret", (uint64_t)ret);
	fact_int("disarm.ret", off);
	fact_sigsys("sigsys");
	if (sud_seen.count)
		fact_hex("sigsys.efl", seen_efl);
	return SUD_EXIT_RAN;
}

static const struct sud_case cases[] = {
	{"dispatch", case_dispatch, "RAX RDI RSI RDX R10 R8 R9 [set-return VALUE]  one dispatched syscall; print what the handler saw"},
};
SUD_MAIN(cases)
