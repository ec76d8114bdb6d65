/* compat: the other ways into the kernel (kernel-behaviour.md C15-C19): int $0x80 from a 64-bit task,
 * a 32-bit (i386) process (run through execve of the freestanding build/bin/ia32-sud), legacy vsyscall
 * page calls, and the vDSO's fallback syscalls.
 *
 * Every case arms EXCLUSIVE with the allowed region = the escape gate only (so everything under test
 * is outside the region) and a BLOCK selector; the generic handler writes ALLOW to the selector, so
 * libc works again after a dispatch. Each case has a dispatched control where the thing under test is
 * not dispatched, so a kernel that accepts prctl but never arms gives FAIL.
 *
 *   compat int80            rax = 0xffffffff00000014 (i386 getpid in the low half), then int $0x80 from
 *                           64-bit code. facts: arm.*, gate.int80_insn, gate.int80_after, call.ret,
 *                           sigsys.* (fact_sigsys)
 *   compat ia32 CASE        execs build/<bin|static>/ia32-sud CASE (the 32-bit program prints its own
 *                           facts); ENOEXEC (no ia32 emulation) is a skip
 *   compat vsyscall         gettimeofday (0xffffffffff600000) and time (0xffffffffff600400) called on the
 *                           legacy vsyscall page while armed with BLOCK; then the control, getppid through
 *                           sud_gate_probe. facts: ppid, gtod.ret, gtod.tv_sec, gtod.sigsys.count,
 *                           time.ret, time.stored, time.sigsys.count, control.ret, control.sigsys.*
 *   compat vdso-cputime     __vdso_clock_gettime(CLOCK_PROCESS_CPUTIME_ID) called directly (the vDSO falls
 *                           back to the syscall for CPU-time clocks). facts: vdso.clock_gettime,
 *                           vdso.start, vdso.end, call.ret, sigsys.*, sigsys.call_addr.mapping (the
 *                           /proc/self/maps name of the mapping holding si_call_addr)
 *   compat vdso-monotonic   __vdso_clock_gettime(CLOCK_MONOTONIC) (skip unless the clocksource is tsc),
 *                           then the CPUTIME call as the control. facts: clocksource, monotonic.ret,
 *                           monotonic.tv_set, monotonic.sigsys.count, control.sigsys.*,
 *                           control.call_addr.mapping
 */
#include "sud.h"
#include <elf.h>
#include <limits.h>
#include <sys/auxv.h>
#include <sys/time.h>
#include <time.h>

extern char **environ;

/* ---------------------------------------------------------------- helpers (local to this fixture) */

static volatile uint8_t *arm_block(struct sud_result *arm)
{
	volatile uint8_t *sel = sud_selector_page(SUD_BLOCK);
	sud_install_sigsys(0);
	sud_policy.selector = sel;
	*arm = sud_arm_escape(sel);
	return sel;
}

static void forget_sigsys(void) { memset((void *)&sud_seen, 0, sizeof sud_seen); }

/* The name (last field) of the /proc/self/maps line holding addr: `[vdso]`, a path, or `anon`/`none`. */
static void fact_mapping(const char *key, uint64_t addr)
{
	FILE *f = fopen("/proc/self/maps", "r");
	char line[512];
	if (!f)
		harness_error("open /proc/self/maps");
	while (fgets(line, sizeof line, f)) {
		unsigned long lo, hi;
		int n = 0;
		if (sscanf(line, "%lx-%lx %*s %*s %*s %*s %n", &lo, &hi, &n) < 2)
			continue;
		if (addr < lo || addr >= hi)
			continue;
		char *name = line + n;
		name[strcspn(name, "\n")] = 0;
		fact(key, "%s", *name ? name : "anon");
		fclose(f);
		return;
	}
	fclose(f);
	fact(key, "none");
}

/* The [vdso] mapping's bounds from /proc/self/maps; 0 when there is none. */
static int vdso_bounds(uint64_t *lo, uint64_t *hi)
{
	FILE *f = fopen("/proc/self/maps", "r");
	char line[512];
	int found = 0;
	if (!f)
		harness_error("open /proc/self/maps");
	while (fgets(line, sizeof line, f)) {
		unsigned long a, b;
		if (strstr(line, "[vdso]") && sscanf(line, "%lx-%lx", &a, &b) == 2) {
			*lo = a;
			*hi = b;
			found = 1;
			break;
		}
	}
	fclose(f);
	return found;
}

/* A symbol of the x86-64 vDSO, found through AT_SYSINFO_EHDR, PT_DYNAMIC, DT_HASH/DT_SYMTAB/DT_STRTAB
 * (the vDSO is linked at 0: its addresses are offsets from the ELF header). */
static void *vdso_sym(const char *want)
{
	uintptr_t base = getauxval(AT_SYSINFO_EHDR);
	if (!base)
		return NULL;
	const Elf64_Ehdr *eh = (const Elf64_Ehdr *)base;
	const Elf64_Phdr *ph = (const Elf64_Phdr *)(base + eh->e_phoff);
	const Elf64_Dyn *dyn = NULL;
	uintptr_t load = 0;
	int have_load = 0;
	for (int i = 0; i < eh->e_phnum; i++) {
		if (ph[i].p_type == PT_LOAD && !have_load) {
			load = base + ph[i].p_offset - ph[i].p_vaddr;
			have_load = 1;
		} else if (ph[i].p_type == PT_DYNAMIC) {
			dyn = (const Elf64_Dyn *)(base + ph[i].p_offset);
		}
	}
	if (!dyn || !have_load)
		return NULL;
	const Elf64_Sym *symtab = NULL;
	const char *strtab = NULL;
	const Elf32_Word *hash = NULL;
	for (; dyn->d_tag != DT_NULL; dyn++) {
		if (dyn->d_tag == DT_SYMTAB)
			symtab = (const Elf64_Sym *)(load + dyn->d_un.d_ptr);
		else if (dyn->d_tag == DT_STRTAB)
			strtab = (const char *)(load + dyn->d_un.d_ptr);
		else if (dyn->d_tag == DT_HASH)
			hash = (const Elf32_Word *)(load + dyn->d_un.d_ptr);
	}
	if (!symtab || !strtab || !hash)
		return NULL;
	for (Elf32_Word i = 0; i < hash[1]; i++) /* hash[1] = nchain = number of symbols */
		if (symtab[i].st_shndx != SHN_UNDEF && ELF64_ST_TYPE(symtab[i].st_info) == STT_FUNC &&
		    !strcmp(strtab + symtab[i].st_name, want))
			return (void *)(load + symtab[i].st_value);
	return NULL;
}

/* ---------------------------------------------------------------- int80 (C15)
 * compat_int80(rax): loads the full 64-bit rax and executes int $0x80 between two labels. */
long compat_int80(uint64_t rax);
extern const char compat_int80_insn[], compat_int80_after[];
__asm__(".text\n"
	".p2align 4\n"
	".globl compat_int80\n"
	".type compat_int80,@function\n"
	"compat_int80:\n"
	"	mov %rdi, %rax\n"
	".globl compat_int80_insn\n"
	"compat_int80_insn:\n"
	"	int $0x80\n"
	".globl compat_int80_after\n"
	"compat_int80_after:\n"
	"	ret\n"
	".size compat_int80, . - compat_int80\n");

static int case_int80(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	sud_reset_signals();
	sud_require();
	fact_hex("gate.int80_insn", sud_addr(compat_int80_insn));
	fact_hex("gate.int80_after", sud_addr(compat_int80_after));

	struct sud_result arm;
	arm_block(&arm);
	long ret = compat_int80(0xffffffff00000014ULL);
	long off = sud_disarm_escape();

	fact_result("arm", arm);
	fact_hex("call.ret", (uint64_t)ret);
	fact_int("disarm.ret", off);
	fact_sigsys("sigsys");
	return SUD_EXIT_RAN;
}

/* ---------------------------------------------------------------- ia32 (C16, C17) */
static int case_ia32(int argc, char **argv)
{
	if (argc != 2)
		harness_error("usage: ia32 CASE");
	sud_reset_signals();
	sud_require();

	char self[PATH_MAX], prog[PATH_MAX + 16];
	ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
	if (n <= 0)
		harness_error("readlink /proc/self/exe");
	self[n] = 0;
	char *slash = strrchr(self, '/');
	if (!slash)
		harness_error("no directory in %s", self);
	*slash = 0;
	snprintf(prog, sizeof prog, "%s/ia32-sud", self);

	char name[] = "ia32-sud";
	char *args[] = {name, argv[1], NULL};
	execve(prog, args, environ);
	if (errno == ENOEXEC)
		skip("execve of the 32-bit program %s failed with ENOEXEC: this kernel runs no i386 binaries (no ia32 emulation)",
		     prog);
	harness_error("execve %s", prog);
}

/* ---------------------------------------------------------------- vsyscall (C18) */
#define VSYSCALL_GTOD 0xffffffffff600000UL
#define VSYSCALL_TIME 0xffffffffff600400UL

static int case_vsyscall(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	sud_reset_signals();
	sud_require();
	fact_int("ppid", getppid());

	long (*gtod)(struct timeval *, void *) = (long (*)(struct timeval *, void *))VSYSCALL_GTOD;
	long (*vtime)(long *) = (long (*)(long *))VSYSCALL_TIME;
	struct timeval tv = {0, 0};
	long stored = 0;

	struct sud_result arm;
	volatile uint8_t *sel = arm_block(&arm);
	long g = gtod(&tv, NULL);
	int gcount = sud_seen.count;
	*sel = SUD_BLOCK; /* in case the handler ran */
	forget_sigsys();
	long t = vtime(&stored);
	int tcount = sud_seen.count;
	*sel = SUD_BLOCK;
	forget_sigsys();
	/* Control: a real syscall from outside the region, same arming, same selector. */
	long c = SUD_PROBE0(SYS_getppid);
	long off = sud_disarm_escape();

	fact_result("arm", arm);
	fact_int("gtod.ret", g);
	fact_int("gtod.tv_sec", tv.tv_sec);
	fact_int("gtod.sigsys.count", gcount);
	fact_int("time.ret", t);
	fact_int("time.stored", stored);
	fact_int("time.sigsys.count", tcount);
	fact_int("control.ret", c);
	fact_int("disarm.ret", off);
	fact_sigsys("control.sigsys");
	return SUD_EXIT_RAN;
}

/* ---------------------------------------------------------------- vDSO (C19) */
typedef int (*clock_gettime_fn)(clockid_t, struct timespec *);

static clock_gettime_fn find_vdso_clock_gettime(void)
{
	clock_gettime_fn fn = (clock_gettime_fn)vdso_sym("__vdso_clock_gettime");
	if (!fn)
		skip("no vDSO, or no __vdso_clock_gettime in it (AT_SYSINFO_EHDR = 0x%lx)", getauxval(AT_SYSINFO_EHDR));
	uint64_t lo, hi;
	if (!vdso_bounds(&lo, &hi))
		harness_error("no [vdso] line in /proc/self/maps although AT_SYSINFO_EHDR is set");
	fact_hex("vdso.clock_gettime", sud_addr((void *)fn));
	fact_hex("vdso.start", lo);
	fact_hex("vdso.end", hi);
	return fn;
}

static int case_vdso_cputime(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	sud_reset_signals();
	sud_require();
	clock_gettime_fn fn = find_vdso_clock_gettime();
	struct timespec ts;

	sud_policy.set_return = 1; /* the "syscall" returns 0 */
	sud_policy.return_value = 0;
	struct sud_result arm;
	arm_block(&arm);
	int ret = fn(CLOCK_PROCESS_CPUTIME_ID, &ts);
	long off = sud_disarm_escape();

	fact_result("arm", arm);
	fact_int("call.ret", ret);
	fact_int("disarm.ret", off);
	fact_sigsys("sigsys");
	if (sud_seen.count)
		fact_mapping("sigsys.call_addr.mapping", sud_seen.call_addr);
	return SUD_EXIT_RAN;
}

static int case_vdso_monotonic(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	sud_reset_signals();
	sud_require();
	char cs[64] = "";
	FILE *f = fopen("/sys/devices/system/clocksource/clocksource0/current_clocksource", "r");
	if (!f || !fgets(cs, sizeof cs, f))
		skip("cannot read /sys/devices/system/clocksource/clocksource0/current_clocksource (%s): the vDSO's clock path is unknown",
		     errno_name(errno));
	fclose(f);
	cs[strcspn(cs, "\n")] = 0;
	fact("clocksource", "%s", cs);
	if (strcmp(cs, "tsc"))
		skip("the clocksource is '%s', not tsc: the vDSO may (legitimately) fall back to the clock_gettime syscall for CLOCK_MONOTONIC",
		     cs);
	clock_gettime_fn fn = find_vdso_clock_gettime();

	struct timespec ts = {0, 0};
	struct sud_result arm;
	volatile uint8_t *sel = arm_block(&arm);
	int mret = fn(CLOCK_MONOTONIC, &ts);
	int mcount = sud_seen.count;
	*sel = SUD_BLOCK;
	forget_sigsys();
	/* Control: same arming, a clock the vDSO cannot serve. */
	sud_policy.set_return = 1;
	sud_policy.return_value = 0;
	struct timespec ts2;
	int cret = fn(CLOCK_PROCESS_CPUTIME_ID, &ts2);
	long off = sud_disarm_escape();

	fact_result("arm", arm);
	fact_int("monotonic.ret", mret);
	fact("monotonic.tv_set", "%d", ts.tv_sec != 0 || ts.tv_nsec != 0);
	fact_int("monotonic.sigsys.count", mcount);
	fact_int("control.ret", cret);
	fact_int("disarm.ret", off);
	fact_sigsys("control.sigsys");
	if (sud_seen.count)
		fact_mapping("control.call_addr.mapping", sud_seen.call_addr);
	return SUD_EXIT_RAN;
}

static const struct sud_case cases[] = {
	{"int80", case_int80, "  int $0x80 from 64-bit code with rax = 0xffffffff00000014, armed with BLOCK"},
	{"ia32", case_ia32, "CASE  exec the 32-bit program build/.../ia32-sud CASE (skip on ENOEXEC)"},
	{"vsyscall", case_vsyscall, "  legacy vsyscall gettimeofday and time while armed with BLOCK; control: getppid"},
	{"vdso-cputime", case_vdso_cputime, "  __vdso_clock_gettime(CLOCK_PROCESS_CPUTIME_ID) while armed with BLOCK"},
	{"vdso-monotonic", case_vdso_monotonic, "  __vdso_clock_gettime(CLOCK_MONOTONIC) while armed with BLOCK (tsc only); control: CPUTIME"},
};
SUD_MAIN(cases)
