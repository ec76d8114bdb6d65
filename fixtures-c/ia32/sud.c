/* ia32-sud: a freestanding 32-bit (i386) program for the compat family (kernel-behaviour.md C16, C17).
 *
 * Built with -m32 -ffreestanding -nostdlib -static (no 32-bit libc needed, so no gcc-multilib): its own
 * _start, raw int $0x80 syscalls, facts printed with write(2). It includes no libc header, only what
 * the compiler itself provides. It is not run by the runner directly: the 64-bit `compat` fixture
 * (case `ia32 CASE`) execs it, so that a kernel without ia32 emulation (ENOEXEC) gives SKIP.
 * The fixture protocol is the same as for the 64-bit fixtures (docs/fixture-protocol.md): `key=value`
 * facts, exit 0 / 3 (error=) / 4 (skip=).
 *
 * As in the 64-bit fixtures, two int $0x80 gates: ia32_gate_escape (the allowed region while armed:
 * every syscall the program makes itself goes through it) and ia32_gate_probe (the syscall under
 * test, outside the region), each with labels around the instruction.
 *
 *   ia32-sud vsyscall        armed EXCLUSIVE (region = escape gate, selector BLOCK), handler writes ALLOW;
 *                            getpid through the probe gate (control: the task is armed, and the address
 *                            reported for an int $0x80 in the program's own code), then getpid through
 *                            __kernel_vsyscall (AT_SYSINFO).
 *       facts: arm.*, gate.probe_after, vdso.base, vdso.kernel_vsyscall, vdso.entry (the first of
 *       sysenter / syscall / int80 in __kernel_vsyscall), vdso.landing_pad (the address after the first
 *       int $0x80, cd 80, in __kernel_vsyscall), probe.ret, probe.sigsys.*, vsys.ret, vsys.sigsys.*
 *   ia32-sud sigreturn-vdso  handler (SA_SIGINFO, no SA_RESTORER: the kernel makes it return through the
 *                            vDSO's __kernel_rt_sigreturn) that leaves the selector at BLOCK.
 *       facts: gate.probe_after, arm.*, vdso.rt_sigreturn, call.ret, sigsys.*, handler.restorer (the
 *       handler's return address), selector.after (the byte after the handler returned)
 *   ia32-sud sigreturn-vdso-nonrt  the same without SA_SIGINFO (a non-rt frame: __kernel_sigreturn).
 *       facts: gate.probe_after, arm.*, vdso.sigreturn, call.ret, sigsys.count, handler.restorer,
 *       selector.after
 *   ia32-sud sigreturn-own   the same handler with SA_RESTORER = the program's own rt_sigreturn stub,
 *                            outside the region. The handler announces itself (it is expected to be
 *                            the last thing the process does).
 *       facts: gate.probe_after, own.restorer, arm.*, then from the handler handler.entered=1,
 *       handler.restorer
 */
typedef unsigned int u32;
typedef int s32;
typedef unsigned short u16;
typedef unsigned char u8;

#define NR_exit_group 252
#define NR_write 4
#define NR_getpid 20
#define NR_prctl 172
#define NR_rt_sigaction 174

#define PR_SET_SUD 59
#define SUD_OFF 0
#define SUD_EXCLUSIVE 1
#define SUD_ALLOW 0
#define SUD_BLOCK 1

#define SIGSYS 31
#define SA_SIGINFO 0x4
#define SA_RESTORER 0x04000000

#define AT_SYSINFO 32
#define AT_SYSINFO_EHDR 33

#define EXIT_RAN 0
#define EXIT_HARNESS 3
#define EXIT_SKIP 4

/* ---------------------------------------------------------------- gates (top-level asm) */
long ia32_gate_escape(long nr, long a1, long a2, long a3, long a4, long a5);
long ia32_gate_probe(long nr, long a1, long a2, long a3, long a4, long a5);
long ia32_call_vsyscall(u32 fn, long nr, long a1, long a2, long a3);
void ia32_own_restorer(void);
extern const char ia32_gate_escape_insn[], ia32_gate_escape_end[];
extern const char ia32_gate_probe_insn[], ia32_gate_probe_after[];

#define IA32_GATE(name)                          \
	".globl " #name "\n"                     \
	".type " #name ",@function\n"            \
	#name ":\n"                              \
	"	push %ebx\n"                     \
	"	push %esi\n"                     \
	"	push %edi\n"                     \
	"	mov 16(%esp), %eax\n"            \
	"	mov 20(%esp), %ebx\n"            \
	"	mov 24(%esp), %ecx\n"            \
	"	mov 28(%esp), %edx\n"            \
	"	mov 32(%esp), %esi\n"            \
	"	mov 36(%esp), %edi\n"            \
	".globl " #name "_insn\n"                \
	#name "_insn:\n"                         \
	"	int $0x80\n"                     \
	".globl " #name "_after\n"               \
	#name "_after:\n"                        \
	"	pop %edi\n"                      \
	"	pop %esi\n"                      \
	"	pop %ebx\n"                      \
	"	ret\n"                           \
	".globl " #name "_end\n"                 \
	#name "_end:\n"                          \
	".size " #name ", . - " #name "\n"

__asm__(".text\n"
	".p2align 4\n" IA32_GATE(ia32_gate_probe)
	".p2align 4\n"
	"	int3\n"
	".p2align 4\n" IA32_GATE(ia32_gate_escape)
	".p2align 4\n"
	"	int3\n"
	/* ia32_call_vsyscall(fn, nr, a1, a2, a3): a syscall through __kernel_vsyscall (which preserves
	 * every register but eax) */
	".p2align 4\n"
	".globl ia32_call_vsyscall\n"
	".type ia32_call_vsyscall,@function\n"
	"ia32_call_vsyscall:\n"
	"	push %ebx\n"
	"	mov 12(%esp), %eax\n"
	"	mov 16(%esp), %ebx\n"
	"	mov 20(%esp), %ecx\n"
	"	mov 24(%esp), %edx\n"
	"	call *8(%esp)\n"
	"	pop %ebx\n"
	"	ret\n"
	".size ia32_call_vsyscall, . - ia32_call_vsyscall\n"
	/* A signal restorer of the program's own, outside the allowed region: rt_sigreturn (173). */
	".p2align 4\n"
	".globl ia32_own_restorer\n"
	".type ia32_own_restorer,@function\n"
	"ia32_own_restorer:\n"
	"	mov $173, %eax\n"
	"	int $0x80\n"
	"	hlt\n"
	".size ia32_own_restorer, . - ia32_own_restorer\n"
	/* Entry: hand the initial stack pointer (argc, argv..., envp..., auxv...) to ia32_main. */
	".globl _start\n"
	".type _start,@function\n"
	"_start:\n"
	"	xor %ebp, %ebp\n"
	"	mov %esp, %eax\n"
	"	and $-16, %esp\n"
	"	sub $12, %esp\n"
	"	push %eax\n"
	"	call ia32_main\n"
	"	hlt\n");

/* ---------------------------------------------------------------- tiny libc */

/* gcc may emit calls to these even when freestanding. */
void *memset(void *d, int c, unsigned int n)
{
	u8 *p = d;
	while (n--)
		*p++ = (u8)c;
	return d;
}
void *memcpy(void *d, const void *s, unsigned int n)
{
	u8 *p = d;
	const u8 *q = s;
	while (n--)
		*p++ = *q++;
	return d;
}

static int streq(const char *a, const char *b)
{
	while (*a && *a == *b)
		a++, b++;
	return *a == *b;
}

static __attribute__((noreturn)) void sys_exit(int code)
{
	for (;;)
		ia32_gate_escape(NR_exit_group, code, 0, 0, 0, 0);
}

/* One fact = one write(2) of a whole line, through the escape gate (allowed while armed). */
struct line {
	char buf[256];
	unsigned int n;
};
static void put(struct line *l, const char *s)
{
	while (*s && l->n < sizeof l->buf - 1)
		l->buf[l->n++] = *s++;
}
static void put_hex(struct line *l, u32 v)
{
	char tmp[11];
	int i = 0;
	put(l, "0x");
	do {
		tmp[i++] = "0123456789abcdef"[v & 15];
		v >>= 4;
	} while (v);
	while (i--) {
		char c[2] = {tmp[i], 0};
		put(l, c);
	}
}
static void put_int(struct line *l, s32 v)
{
	char tmp[12];
	int i = 0;
	u32 u = v < 0 ? 0u - (u32)v : (u32)v;
	if (v < 0)
		put(l, "-");
	do {
		tmp[i++] = (char)('0' + u % 10);
		u /= 10;
	} while (u);
	while (i--) {
		char c[2] = {tmp[i], 0};
		put(l, c);
	}
}
static void emit(struct line *l)
{
	l->buf[l->n++] = '\n';
	ia32_gate_escape(NR_write, 1, (long)l->buf, (long)l->n, 0, 0);
}
static void fact_str(const char *key, const char *v)
{
	struct line l = {.n = 0};
	put(&l, key);
	put(&l, "=");
	put(&l, v);
	emit(&l);
}
static void fact_hex(const char *key, u32 v)
{
	struct line l = {.n = 0};
	put(&l, key);
	put(&l, "=");
	put_hex(&l, v);
	emit(&l);
}
static void fact_int(const char *key, s32 v)
{
	struct line l = {.n = 0};
	put(&l, key);
	put(&l, "=");
	put_int(&l, v);
	emit(&l);
}
static const char *errno_name(s32 e)
{
	switch (e) {
	case 0: return "0";
	case 1: return "EPERM";
	case 14: return "EFAULT";
	case 22: return "EINVAL";
	case 38: return "ENOSYS";
	default: return "other";
	}
}
/* `<prefix>.ret` and `<prefix>.errno`, as the 64-bit fact_result prints them. */
static void fact_result(const char *prefix, long raw)
{
	struct line l = {.n = 0};
	put(&l, prefix);
	put(&l, ".ret=");
	put_int(&l, raw < 0 && raw > -4096 ? -1 : (s32)raw);
	emit(&l);
	l.n = 0;
	put(&l, prefix);
	put(&l, ".errno=");
	put(&l, errno_name(raw < 0 && raw > -4096 ? (s32)-raw : 0));
	emit(&l);
}
static __attribute__((noreturn)) void skip(const char *why)
{
	fact_str("skip", why);
	sys_exit(EXIT_SKIP);
}
static __attribute__((noreturn)) void harness_error(const char *what, long ret)
{
	struct line l = {.n = 0};
	put(&l, "error=");
	put(&l, what);
	put(&l, " (returned ");
	put_int(&l, (s32)ret);
	put(&l, ")");
	emit(&l);
	sys_exit(EXIT_HARNESS);
}

/* ---------------------------------------------------------------- kernel ABI (i386) */
struct k_sigaction32 {
	u32 handler;
	u32 flags;
	u32 restorer;
	u32 mask[2];
};
struct siginfo32 {
	s32 signo;
	s32 err;
	s32 code;
	u32 call_addr; /* _sigsys._call_addr */
	s32 syscall;   /* _sigsys._syscall */
	u32 arch;      /* _sigsys._arch */
	u32 pad[26];
};
/* struct ucontext (ia32): uc_flags, uc_link, uc_stack (3 words), then struct sigcontext_32 */
enum { R_GS, R_FS, R_ES, R_DS, R_EDI, R_ESI, R_EBP, R_ESP, R_EBX, R_EDX, R_ECX, R_EAX, R_TRAPNO, R_ERR, R_EIP };
struct ucontext32 {
	u32 flags;
	u32 link;
	u32 ss_sp, ss_flags, ss_size;
	u32 gregs[19];
};

/* ---------------------------------------------------------------- SUD state and the SIGSYS handler */
static volatile u8 selector_byte;

static struct {
	int allow;    /* the handler writes ALLOW to the selector first */
	int announce; /* the handler prints handler.entered and handler.restorer itself */
} policy;

static volatile struct {
	s32 count, signo, code, err, nr;
	u32 call_addr, arch, eip, eax, restorer;
} seen;

static void forget(void) { memset((void *)&seen, 0, sizeof seen); }

static void __attribute__((noinline)) record(int sig, struct siginfo32 *si, struct ucontext32 *uc, u32 restorer)
{
	if (policy.allow)
		selector_byte = SUD_ALLOW;
	if (policy.announce) {
		fact_str("handler.entered", "1");
		fact_hex("handler.restorer", restorer);
	}
	seen.signo = sig;
	seen.restorer = restorer;
	if (si) {
		seen.code = si->code;
		seen.err = si->err;
		seen.call_addr = si->call_addr;
		seen.nr = si->syscall;
		seen.arch = si->arch;
	}
	if (uc) {
		seen.eip = uc->gregs[R_EIP];
		seen.eax = uc->gregs[R_EAX];
	}
	seen.count++;
}

/* The handler's return address is the restorer the kernel put in the frame (pretcode). */
static void __attribute__((noinline)) siginfo_handler(int sig, struct siginfo32 *si, struct ucontext32 *uc)
{
	record(sig, si, uc, (u32)__builtin_return_address(0));
}
static void __attribute__((noinline)) plain_handler(int sig)
{
	record(sig, 0, 0, (u32)__builtin_return_address(0));
}

static void install(int siginfo, u32 restorer)
{
	struct k_sigaction32 sa;
	memset(&sa, 0, sizeof sa);
	sa.handler = siginfo ? (u32)siginfo_handler : (u32)plain_handler;
	sa.flags = (siginfo ? SA_SIGINFO : 0) | (restorer ? SA_RESTORER : 0);
	sa.restorer = restorer;
	long r = ia32_gate_escape(NR_rt_sigaction, SIGSYS, (long)&sa, 0, 8, 0);
	if (r)
		harness_error("rt_sigaction(SIGSYS)", r);
}

/* `<prefix>.<name>` into buf (64 bytes). */
static const char *key(char *buf, const char *prefix, const char *name)
{
	unsigned int n = 0;
	while (*prefix && n < 40)
		buf[n++] = *prefix++;
	buf[n++] = '.';
	while (*name && n < 63)
		buf[n++] = *name++;
	buf[n] = 0;
	return buf;
}

static void fact_seen(const char *prefix)
{
	char k[64];
	fact_int(key(k, prefix, "count"), seen.count);
	if (!seen.count)
		return;
	fact_int(key(k, prefix, "signo"), seen.signo);
	fact_int(key(k, prefix, "code"), seen.code);
	fact_int(key(k, prefix, "errno"), seen.err);
	fact_hex(key(k, prefix, "call_addr"), seen.call_addr);
	fact_int(key(k, prefix, "syscall"), seen.nr);
	fact_hex(key(k, prefix, "arch"), seen.arch);
	fact_hex(key(k, prefix, "eip"), seen.eip);
	fact_hex(key(k, prefix, "eax"), seen.eax);
}

static void require_sud(void)
{
	long r = ia32_gate_escape(NR_prctl, PR_SET_SUD, SUD_OFF, 0, 0, 0);
	if (r)
		skip("prctl(PR_SET_SYSCALL_USER_DISPATCH, OFF) from an i386 process failed: no Syscall User Dispatch");
}

static long arm_escape(void)
{
	u32 off = (u32)ia32_gate_escape_insn;
	u32 len = (u32)ia32_gate_escape_end - off;
	return ia32_gate_escape(NR_prctl, PR_SET_SUD, SUD_EXCLUSIVE, off, len, (long)&selector_byte);
}

static long disarm(void) { return ia32_gate_escape(NR_prctl, PR_SET_SUD, SUD_OFF, 0, 0, 0); }

/* ---------------------------------------------------------------- the 32-bit vDSO */
static u32 aux_sysinfo, aux_ehdr;

struct elf32_ehdr {
	u8 ident[16];
	u16 type, machine;
	u32 version, entry, phoff, shoff, flags;
	u16 ehsize, phentsize, phnum, shentsize, shnum, shstrndx;
};
struct elf32_phdr {
	u32 type, offset, vaddr, paddr, filesz, memsz, flags, align;
};
struct elf32_dyn {
	s32 tag;
	u32 val;
};
struct elf32_sym {
	u32 name, value, size;
	u8 info, other;
	u16 shndx;
};

/* A function symbol of the vDSO (DT_HASH, DT_SYMTAB, DT_STRTAB), or 0. */
static u32 vdso_sym(const char *want)
{
	if (!aux_ehdr)
		return 0;
	const struct elf32_ehdr *eh = (const void *)aux_ehdr;
	const struct elf32_phdr *ph = (const void *)(aux_ehdr + eh->phoff);
	const struct elf32_dyn *dyn = 0;
	u32 load = 0;
	int have_load = 0;
	for (int i = 0; i < eh->phnum; i++) {
		if (ph[i].type == 1 && !have_load) { /* PT_LOAD */
			load = aux_ehdr + ph[i].offset - ph[i].vaddr;
			have_load = 1;
		} else if (ph[i].type == 2) { /* PT_DYNAMIC */
			dyn = (const void *)(aux_ehdr + ph[i].offset);
		}
	}
	if (!dyn || !have_load)
		return 0;
	const struct elf32_sym *symtab = 0;
	const char *strtab = 0;
	const u32 *hash = 0;
	for (; dyn->tag; dyn++) {
		if (dyn->tag == 6) /* DT_SYMTAB */
			symtab = (const void *)(load + dyn->val);
		else if (dyn->tag == 5) /* DT_STRTAB */
			strtab = (const void *)(load + dyn->val);
		else if (dyn->tag == 4) /* DT_HASH */
			hash = (const void *)(load + dyn->val);
	}
	if (!symtab || !strtab || !hash)
		return 0;
	for (u32 i = 0; i < hash[1]; i++)
		if (symtab[i].shndx && (symtab[i].info & 15) == 2 && streq(strtab + symtab[i].name, want))
			return load + symtab[i].value;
	return 0;
}

/* ---------------------------------------------------------------- vsyscall (C16) */
static void case_vsyscall(void)
{
	require_sud();
	if (!aux_sysinfo)
		skip("no AT_SYSINFO in the auxiliary vector: the kernel maps no 32-bit vDSO (vdso32=0?)");
	fact_hex("gate.probe_after", (u32)ia32_gate_probe_after);
	fact_hex("vdso.base", aux_ehdr);
	fact_hex("vdso.kernel_vsyscall", aux_sysinfo);
	const u8 *p = (const u8 *)aux_sysinfo;
	const char *entry = "none";
	u32 landing = 0;
	for (int i = 0; i < 64; i++) {
		if (entry[0] == 'n' && p[i] == 0x0f && (p[i + 1] == 0x34 || p[i + 1] == 0x05))
			entry = p[i + 1] == 0x34 ? "sysenter" : "syscall";
		if (p[i] == 0xcd && p[i + 1] == 0x80) {
			if (entry[0] == 'n')
				entry = "int80";
			landing = aux_sysinfo + i + 2;
			break;
		}
	}
	fact_str("vdso.entry", entry);
	if (!landing)
		harness_error("no int $0x80 (cd 80) in the first 64 bytes of __kernel_vsyscall", 0);
	fact_hex("vdso.landing_pad", landing);

	policy.allow = 1;
	install(1, 0);
	selector_byte = SUD_BLOCK;
	long arm = arm_escape();
	long pret = ia32_gate_probe(NR_getpid, 0, 0, 0, 0, 0);
	fact_result("arm", arm); /* the handler set ALLOW: the escape gate is the only way out anyway */
	fact_int("probe.ret", (s32)pret);
	fact_seen("probe.sigsys");
	forget();
	selector_byte = SUD_BLOCK;
	long vret = ia32_call_vsyscall(aux_sysinfo, NR_getpid, 0, 0, 0);
	long off = disarm();
	fact_int("vsys.ret", (s32)vret);
	fact_seen("vsys.sigsys");
	fact_int("disarm.ret", (s32)off);
}

/* ---------------------------------------------------------------- sigreturn (C17) */
static void case_sigreturn(int siginfo, int own)
{
	require_sud();
	fact_hex("gate.probe_after", (u32)ia32_gate_probe_after);
	u32 restorer = 0;
	if (own) {
		restorer = (u32)ia32_own_restorer;
		fact_hex("own.restorer", restorer);
		policy.announce = 1;
	} else {
		if (!aux_ehdr)
			skip("no AT_SYSINFO_EHDR: the kernel maps no 32-bit vDSO, so there is no vDSO sigreturn");
		const char *sym = siginfo ? "__kernel_rt_sigreturn" : "__kernel_sigreturn";
		u32 a = vdso_sym(sym);
		if (!a)
			harness_error("no __kernel_(rt_)sigreturn in the 32-bit vDSO", 0);
		fact_hex(siginfo ? "vdso.rt_sigreturn" : "vdso.sigreturn", a);
	}
	policy.allow = 0; /* the selector stays BLOCK while the handler returns */
	install(siginfo, restorer);
	selector_byte = SUD_BLOCK;
	long arm = arm_escape();
	fact_result("arm", arm); /* through the escape gate: fine while armed */
	long ret = ia32_gate_probe(NR_getpid, 0, 0, 0, 0, 0);
	u8 after = selector_byte;
	long off = disarm();
	fact_hex("call.ret", (u32)ret);
	fact_int("selector.after", after);
	fact_int("disarm.ret", (s32)off);
	if (siginfo) {
		fact_seen("sigsys");
	} else {
		fact_int("sigsys.count", seen.count);
		if (seen.count)
			fact_int("sigsys.signo", seen.signo);
	}
	if (seen.count && !own)
		fact_hex("handler.restorer", seen.restorer);
}

/* ---------------------------------------------------------------- entry */
void __attribute__((used, noreturn)) ia32_main(u32 *sp)
{
	int argc = (int)sp[0];
	char **argv = (char **)(sp + 1);
	char **envp = argv + argc + 1;
	while (*envp)
		envp++;
	for (u32 *aux = (u32 *)(envp + 1); aux[0]; aux += 2) {
		if (aux[0] == AT_SYSINFO)
			aux_sysinfo = aux[1];
		else if (aux[0] == AT_SYSINFO_EHDR)
			aux_ehdr = aux[1];
	}
	/* Inherited state: the 64-bit launcher reset SIGSYS to default and unblocked it before execve,
	 * and both survive exec; the handler is installed by each case. */
	const char *c = argc >= 2 ? argv[1] : "";
	if (streq(c, "vsyscall"))
		case_vsyscall();
	else if (streq(c, "sigreturn-vdso"))
		case_sigreturn(1, 0);
	else if (streq(c, "sigreturn-vdso-nonrt"))
		case_sigreturn(0, 0);
	else if (streq(c, "sigreturn-own"))
		case_sigreturn(1, 1);
	else {
		struct line l = {.n = 0};
		put(&l, "error=unknown case '");
		put(&l, c);
		put(&l, "' (vsyscall sigreturn-vdso sigreturn-vdso-nonrt sigreturn-own)");
		emit(&l);
		sys_exit(EXIT_HARNESS);
	}
	sys_exit(EXIT_RAN);
}
