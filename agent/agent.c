/* agent: /init of the initramfs that sudcheck boots under QEMU (runner/targets/qemu.ts).
 *
 * It mounts what the fixtures need, runs the feature probe and then every case of /manifest, each in
 * a forked child in its own process group (killed as a group on timeout, swept when it ends), and
 * streams one framed record per run over a serial line, then powers the machine off.
 * PID 1 itself never runs a case: a case that dies must not take the kernel with it.
 *
 * Framing (parsed by runner/qemu/framing.ts; docs/kernel-ci.md):
 *     @@SUD <id> <seq>/<count> <base64 chunk> <crc32 of "<id> <seq>/<count> <chunk>", 8 hex digits>
 * one record = <count> lines; kernel messages may land between (or inside) them and the host drops
 * or repairs what does not check out. Records: hello, probe, c<N> (case N of the manifest), end, fatal.
 * A run record's payload is one header line then the raw output:
 *     exit=<n|-1> signal=<n> timedout=<0|1> us=<duration> out=<bytes> err=<bytes> execerr=<errno> trunc=<0|1>\n
 *     <stdout bytes><stderr bytes>
 *
 * Manifest (/manifest, written by runner/qemu/initramfs.ts), fields separated by one space and
 * percent-encoded:
 *     sudcheck-manifest 1
 *     jobs <N>
 *     probe <timeout_ms> <fixture> [args...]
 *     case <N> <timeout_ms> <requires: comma-separated feature ids, or -> <fixture> [args...]
 *     alone <N> ...  (as case) a case that changes machine-wide state: run one at a time, after the rest
 * A case whose requirement the probe reported absent is not run (the host skips it with the probe's
 * reason, exactly as on the local target).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/serial.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#define AGENT_VERSION "1"
#define MAX_JOBS 16
#define MAX_CASES 65536
#define OUTPUT_CAP (1u << 20)    /* bytes kept per stream per case */
#define CHUNK_RAW 3072           /* payload bytes per frame line (4096 base64 characters) */
#define DRAIN_GRACE_MS 2000      /* after a case ends, how long its pipes may stay open */
#define MAX_FEATURES 64

static int data_fd = 1;
static const char *data_name = "/dev/console";

/* ------------------------------------------------------------------ output */

static void write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;
	while (len > 0) {
		ssize_t n = write(fd, p, len);
		if (n < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			return;
		}
		p += n;
		len -= (size_t)n;
	}
}

/* A plain line on the console, for humans reading the console log (never parsed). */
static void say(const char *fmt, ...)
{
	char line[512];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(line, sizeof line - 1, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n > sizeof line - 2)
		n = sizeof line - 2;
	line[n++] = '\n';
	write_all(2, "sudcheck-agent: ", 16);
	write_all(2, line, (size_t)n);
}

static uint32_t crc_table[256];

static void crc_init(void)
{
	for (uint32_t i = 0; i < 256; i++) {
		uint32_t c = i;
		for (int k = 0; k < 8; k++)
			c = c & 1 ? 0xedb88320u ^ (c >> 1) : c >> 1;
		crc_table[i] = c;
	}
}

static uint32_t crc32_of(const char *p, size_t len)
{
	uint32_t c = 0xffffffffu;
	for (size_t i = 0; i < len; i++)
		c = crc_table[(c ^ (unsigned char)p[i]) & 0xff] ^ (c >> 8);
	return c ^ 0xffffffffu;
}

static size_t base64(const unsigned char *in, size_t len, char *out)
{
	static const char abc[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t o = 0, i = 0;
	for (; i + 2 < len; i += 3) {
		uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2];
		out[o++] = abc[v >> 18 & 63];
		out[o++] = abc[v >> 12 & 63];
		out[o++] = abc[v >> 6 & 63];
		out[o++] = abc[v & 63];
	}
	if (i < len) {
		uint32_t v = (uint32_t)in[i] << 16 | (i + 1 < len ? (uint32_t)in[i + 1] << 8 : 0);
		out[o++] = abc[v >> 18 & 63];
		out[o++] = abc[v >> 12 & 63];
		out[o++] = i + 1 < len ? abc[v >> 6 & 63] : '=';
		out[o++] = '=';
	}
	return o;
}

/* Sends one record as frame lines. Each line goes out in one write(): the kernel may still print
 * between the UART's FIFO refills, which the host's parser repairs (runner/qemu/framing.ts). */
static void emit(const char *id, const unsigned char *data, size_t len)
{
	size_t count = len == 0 ? 1 : (len + CHUNK_RAW - 1) / CHUNK_RAW;
	static char line[64 + CHUNK_RAW / 3 * 4 + 64];
	for (size_t seq = 0; seq < count; seq++) {
		size_t off = seq * CHUNK_RAW;
		size_t n = len - off < CHUNK_RAW ? len - off : CHUNK_RAW;
		int h = snprintf(line, 64, "@@SUD %s %zu/%zu ", id, seq, count);
		size_t body = (size_t)h + base64(data + off, n, line + h);
		uint32_t crc = crc32_of(line + 6, body - 6);
		body += (size_t)snprintf(line + body, 16, " %08x\n", crc);
		write_all(data_fd, line, body);
	}
}

static void emit_text(const char *id, const char *fmt, ...)
{
	char text[2048];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(text, sizeof text, fmt, ap);
	va_end(ap);
	if (n < 0)
		n = 0;
	if ((size_t)n >= sizeof text)
		n = sizeof text - 1;
	emit(id, (const unsigned char *)text, (size_t)n);
}

static __attribute__((noreturn)) void power_off(void)
{
	tcdrain(data_fd);
	sync();
	reboot(RB_POWER_OFF);
	/* No ACPI power-off: a reboot ends QEMU too (it runs with -no-reboot). */
	reboot(RB_AUTOBOOT);
	for (;;)
		pause();
}

static __attribute__((noreturn, format(printf, 1, 2))) void fatal(const char *fmt, ...)
{
	char text[1024];
	va_list ap;
	int e = errno;
	va_start(ap, fmt);
	vsnprintf(text, sizeof text, fmt, ap);
	va_end(ap);
	say("fatal: %s (%s)", text, strerror(e));
	emit_text("fatal", "%s (%s)", text, strerror(e));
	power_off();
}

/* ------------------------------------------------------------------ setup */

static void mount_one(const char *src, const char *dir, const char *type, const char *opts)
{
	mkdir(dir, 0755);
	if (mount(src, dir, type, MS_NOSUID, opts) != 0 && errno != EBUSY)
		say("mount %s on %s failed: %s", type, dir, strerror(errno));
}

static void node(const char *path, mode_t mode, unsigned maj, unsigned min)
{
	if (access(path, F_OK) != 0)
		mknod(path, mode, makedev(maj, min));
}

static void mount_everything(void)
{
	mount_one("proc", "/proc", "proc", NULL);
	mount_one("sysfs", "/sys", "sysfs", NULL);
	mkdir("/dev", 0755);
	if (mount("devtmpfs", "/dev", "devtmpfs", MS_NOSUID, NULL) != 0 && errno != EBUSY) {
		/* No devtmpfs in this kernel: the few nodes the agent and fixtures use, by hand. */
		mount("tmpfs", "/dev", "tmpfs", MS_NOSUID, "mode=0755");
		node("/dev/console", S_IFCHR | 0600, 5, 1);
		node("/dev/null", S_IFCHR | 0666, 1, 3);
		node("/dev/zero", S_IFCHR | 0666, 1, 5);
		node("/dev/ttyS0", S_IFCHR | 0600, 4, 64);
		node("/dev/ttyS1", S_IFCHR | 0600, 4, 65);
	}
	mount_one("tmpfs", "/tmp", "tmpfs", "mode=1777");
	mount_one("tmpfs", "/dev/shm", "tmpfs", "mode=1777");
	/* Where the kernel has tracefs, mount it as a normal system does (the `tracefs` probe looks). */
	if (access("/sys/kernel/tracing", F_OK) == 0)
		mount("tracefs", "/sys/kernel/tracing", "tracefs", MS_NOSUID, NULL);
}

/* The data channel: the second serial port when QEMU provides one (no kernel messages there),
 * otherwise the console itself. */
static void open_channel(void)
{
	int fd = open("/dev/ttyS1", O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (fd >= 0) {
		struct serial_struct ss;
		memset(&ss, 0, sizeof ss);
		if (ioctl(fd, TIOCGSERIAL, &ss) == 0 && ss.type != PORT_UNKNOWN) {
			struct termios t;
			if (tcgetattr(fd, &t) == 0) {
				cfmakeraw(&t);
				cfsetispeed(&t, B115200);
				cfsetospeed(&t, B115200);
				tcsetattr(fd, TCSANOW, &t);
			}
			data_fd = fd;
			data_name = "/dev/ttyS1";
			return;
		}
		close(fd);
	}
	if (fcntl(1, F_GETFD) < 0) {
		/* The kernel found no /dev/console in the initramfs: open it now that devtmpfs is there. */
		int c = open("/dev/console", O_RDWR | O_NOCTTY);
		if (c >= 0) {
			dup2(c, 0);
			dup2(c, 1);
			dup2(c, 2);
			if (c > 2)
				close(c);
		}
	}
	data_fd = 1;
}

/* ------------------------------------------------------------------ manifest */

struct entry {
	char id[16];
	int timeout_ms;
	char *requires; /* "-" or "a,b" */
	char **argv;    /* argv[0] is the fixture's name */
};

static struct entry probe_entry;
static struct entry *cases, *alone;
static size_t ncases, nalone;
static int jobs = 1;

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static char *decode(char *s)
{
	char *o = s, *start = s;
	if (strcmp(s, "%-") == 0) { /* the empty string */
		*s = 0;
		return s;
	}
	for (; *s; s++) {
		if (*s == '%' && hexval(s[1]) >= 0 && hexval(s[2]) >= 0) {
			*o++ = (char)(hexval(s[1]) << 4 | hexval(s[2]));
			s += 2;
		} else
			*o++ = *s;
	}
	*o = 0;
	return start;
}

/* Splits a line into decoded fields (the line is modified in place). */
static size_t split(char *line, char **fields, size_t max)
{
	size_t n = 0;
	char *save = NULL;
	for (char *f = strtok_r(line, " ", &save); f && n < max; f = strtok_r(NULL, " ", &save))
		fields[n++] = decode(f);
	return n;
}

static void fill_entry(struct entry *e, char **f, size_t n)
{
	e->argv = calloc(n + 1, sizeof *e->argv);
	if (!e->argv)
		fatal("out of memory");
	for (size_t i = 0; i < n; i++)
		e->argv[i] = f[i];
}

static void read_manifest(void)
{
	int fd = open("/manifest", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		fatal("cannot open /manifest");
	struct stat st;
	if (fstat(fd, &st) != 0)
		fatal("cannot stat /manifest");
	char *text = malloc((size_t)st.st_size + 1);
	if (!text)
		fatal("out of memory");
	size_t got = 0;
	while (got < (size_t)st.st_size) {
		ssize_t n = read(fd, text + got, (size_t)st.st_size - got);
		if (n <= 0)
			fatal("cannot read /manifest");
		got += (size_t)n;
	}
	text[got] = 0;
	close(fd);
	cases = calloc(MAX_CASES, sizeof *cases);
	alone = calloc(MAX_CASES, sizeof *alone);
	if (!cases || !alone)
		fatal("out of memory");
	char *save = NULL;
	int header = 0;
	for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *f[256];
		size_t n = split(line, f, 256);
		if (n == 0)
			continue;
		if (!header) {
			if (n < 2 || strcmp(f[0], "sudcheck-manifest") != 0 || strcmp(f[1], "1") != 0)
				fatal("/manifest is not a version 1 sudcheck manifest");
			header = 1;
		} else if (strcmp(f[0], "jobs") == 0 && n == 2) {
			jobs = atoi(f[1]);
		} else if (strcmp(f[0], "probe") == 0 && n >= 3) {
			snprintf(probe_entry.id, sizeof probe_entry.id, "probe");
			probe_entry.timeout_ms = atoi(f[1]);
			probe_entry.requires = "-";
			fill_entry(&probe_entry, f + 2, n - 2);
		} else if ((strcmp(f[0], "case") == 0 || strcmp(f[0], "alone") == 0) && n >= 5 && ncases + nalone < MAX_CASES) {
			struct entry *e = f[0][0] == 'a' ? &alone[nalone++] : &cases[ncases++];
			snprintf(e->id, sizeof e->id, "c%s", f[1]);
			e->timeout_ms = atoi(f[2]);
			e->requires = f[3];
			fill_entry(e, f + 4, n - 4);
		} else {
			fatal("/manifest: unknown line starting with '%s'", f[0]);
		}
	}
	if (!probe_entry.argv)
		fatal("/manifest has no probe line");
	if (jobs < 1)
		jobs = 1;
	if (jobs > MAX_JOBS)
		jobs = MAX_JOBS;
}

/* ------------------------------------------------------------------ features */

static char *present[MAX_FEATURES];
static size_t npresent;

/* Remembers every `feature.<id>=1` line of the probe's output (the host reads the same lines). */
static void learn_features(const char *out, size_t len)
{
	const char *p = out, *end = out + len;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *le = nl ? nl : end;
		size_t n = (size_t)(le - p);
		if (n > 10 && n < 80 && memcmp(p, "feature.", 8) == 0 && memcmp(le - 2, "=1", 2) == 0 &&
		    npresent < MAX_FEATURES) {
			present[npresent++] = strndup(p + 8, n - 10);
		}
		p = le + 1;
	}
}

static int has_feature(const char *id, size_t len)
{
	for (size_t i = 0; i < npresent; i++)
		if (strlen(present[i]) == len && memcmp(present[i], id, len) == 0)
			return 1;
	return 0;
}

static int requirements_met(const char *requires)
{
	if (strcmp(requires, "-") == 0)
		return 1;
	const char *p = requires;
	while (*p) {
		const char *comma = strchr(p, ',');
		size_t len = comma ? (size_t)(comma - p) : strlen(p);
		if (len > 0 && !has_feature(p, len))
			return 0;
		p += len + (comma ? 1 : 0);
	}
	return 1;
}

/* ------------------------------------------------------------------ running cases */

struct buf {
	char *data;
	size_t len;
	int truncated;
};

struct job {
	int used;
	const struct entry *e;
	pid_t pid;
	int fds[2]; /* stdout, stderr read ends; -1 once at EOF */
	struct buf out[2];
	struct timespec start, end;
	long long started_ms, deadline_ms, exited_ms;
	int exited, status, timed_out, exec_errno;
};

static struct job slots[MAX_JOBS];
static int sigchld_pipe[2];
static char *const child_env[] = {"PATH=/bin", "LC_ALL=C", "HOME=/tmp", NULL};

static long long now_ms(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (long long)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

static void on_sigchld(int sig)
{
	(void)sig;
	int e = errno;
	if (write(sigchld_pipe[1], "x", 1) < 0) {
		/* full pipe: a wake-up is already pending */
	}
	errno = e;
}

static void append(struct buf *b, const char *data, size_t n)
{
	if (b->len + n > OUTPUT_CAP) {
		b->truncated = 1;
		n = OUTPUT_CAP - b->len;
	}
	if (n == 0)
		return;
	char *grown = realloc(b->data, b->len + n);
	if (!grown) {
		b->truncated = 1;
		return;
	}
	b->data = grown;
	memcpy(b->data + b->len, data, n);
	b->len += n;
}

static void start(struct job *j, const struct entry *e)
{
	int out[2], err[2], ex[2];
	memset(j, 0, sizeof *j);
	j->used = 1;
	j->e = e;
	if (pipe2(out, O_CLOEXEC) || pipe2(err, O_CLOEXEC) || pipe2(ex, O_CLOEXEC))
		fatal("pipe");
	clock_gettime(CLOCK_MONOTONIC, &j->start);
	j->started_ms = now_ms();
	j->deadline_ms = j->started_ms + e->timeout_ms;
	pid_t pid = fork();
	if (pid < 0)
		fatal("fork");
	if (pid == 0) {
		sigset_t none;
		sigemptyset(&none);
		signal(SIGCHLD, SIG_DFL);
		sigprocmask(SIG_SETMASK, &none, NULL);
		setpgid(0, 0);
		int null = open("/dev/null", O_RDONLY);
		dup2(null >= 0 ? null : out[0], 0);
		dup2(out[1], 1);
		dup2(err[1], 2);
		if (chdir("/tmp") != 0) {
			/* stay in / */
		}
		char path[256];
		snprintf(path, sizeof path, "/bin/%s", e->argv[0]);
		execve(path, e->argv, child_env);
		int code = errno;
		write_all(ex[1], &code, sizeof code);
		_exit(127);
	}
	setpgid(pid, pid);
	j->pid = pid;
	close(out[1]);
	close(err[1]);
	close(ex[1]);
	int code = 0;
	ssize_t n;
	do
		n = read(ex[0], &code, sizeof code);
	while (n < 0 && errno == EINTR);
	j->exec_errno = n == (ssize_t)sizeof code ? code : 0;
	close(ex[0]);
	j->fds[0] = out[0];
	j->fds[1] = err[0];
	fcntl(out[0], F_SETFL, O_NONBLOCK);
	fcntl(err[0], F_SETFL, O_NONBLOCK);
}

static void finish(struct job *j)
{
	struct timespec end = j->end;
	if (!j->exited)
		clock_gettime(CLOCK_MONOTONIC, &end);
	long long us = (long long)(end.tv_sec - j->start.tv_sec) * 1000000 + (end.tv_nsec - j->start.tv_nsec) / 1000;
	if (j->e == &probe_entry)
		learn_features(j->out[0].data ? j->out[0].data : "", j->out[0].len);
	int exit_code = -1, sig = 0;
	if (WIFEXITED(j->status))
		exit_code = WEXITSTATUS(j->status);
	else if (WIFSIGNALED(j->status))
		sig = WTERMSIG(j->status);
	char header[256];
	int h = snprintf(header, sizeof header, "exit=%d signal=%d timedout=%d us=%lld out=%zu err=%zu execerr=%d trunc=%d\n",
			 exit_code, sig, j->timed_out, us, j->out[0].len, j->out[1].len, j->exec_errno,
			 j->out[0].truncated || j->out[1].truncated);
	size_t total = (size_t)h + j->out[0].len + j->out[1].len;
	unsigned char *payload = malloc(total);
	if (!payload)
		fatal("out of memory");
	memcpy(payload, header, (size_t)h);
	if (j->out[0].len)
		memcpy(payload + h, j->out[0].data, j->out[0].len);
	if (j->out[1].len)
		memcpy(payload + h + j->out[0].len, j->out[1].data, j->out[1].len);
	emit(j->e->id, payload, total);
	free(payload);
	free(j->out[0].data);
	free(j->out[1].data);
	for (int i = 0; i < 2; i++)
		if (j->fds[i] >= 0)
			close(j->fds[i]);
	j->used = 0;
}

static void reap(void)
{
	for (;;) {
		int status;
		pid_t pid = waitpid(-1, &status, WNOHANG);
		if (pid <= 0)
			return;
		for (int i = 0; i < MAX_JOBS; i++) {
			struct job *j = &slots[i];
			if (j->used && !j->exited && j->pid == pid) {
				j->exited = 1;
				j->status = status;
				j->exited_ms = now_ms();
				clock_gettime(CLOCK_MONOTONIC, &j->end);
				/* whatever the case forked and left behind goes with it */
				kill(-pid, SIGKILL);
			}
		}
		/* any other pid: an orphan reparented to PID 1, now reaped */
	}
}

static int job_done(const struct job *j, long long now)
{
	if (!j->exited)
		return 0;
	if (j->fds[0] < 0 && j->fds[1] < 0)
		return 1;
	return now - j->exited_ms >= DRAIN_GRACE_MS;
}

/* Runs entries[0..n) with at most `parallel` at once; returns how many were skipped. */
static size_t run_all(const struct entry *entries, size_t n, int parallel, int check_requires)
{
	size_t next = 0, skipped = 0;
	for (;;) {
		int running = 0;
		for (int i = 0; i < parallel; i++)
			if (slots[i].used)
				running++;
		for (int i = 0; i < parallel && next < n; i++) {
			if (slots[i].used)
				continue;
			while (next < n && check_requires && !requirements_met(entries[next].requires)) {
				next++;
				skipped++;
			}
			if (next < n) {
				start(&slots[i], &entries[next++]);
				running++;
			}
		}
		if (running == 0 && next >= n)
			return skipped;

		struct pollfd pfd[1 + 2 * MAX_JOBS];
		struct job *owner[1 + 2 * MAX_JOBS];
		int which[1 + 2 * MAX_JOBS];
		int np = 0;
		pfd[np].fd = sigchld_pipe[0];
		pfd[np].events = POLLIN;
		owner[np++] = NULL;
		long long now = now_ms(), wait_ms = -1;
		for (int i = 0; i < parallel; i++) {
			struct job *j = &slots[i];
			if (!j->used)
				continue;
			for (int s = 0; s < 2; s++)
				if (j->fds[s] >= 0) {
					pfd[np].fd = j->fds[s];
					pfd[np].events = POLLIN;
					owner[np] = j;
					which[np++] = s;
				}
			long long until = j->exited ? j->exited_ms + DRAIN_GRACE_MS : j->timed_out ? now + 100 : j->deadline_ms;
			long long left = until > now ? until - now : 0;
			if (wait_ms < 0 || left < wait_ms)
				wait_ms = left;
		}
		int r = poll(pfd, (nfds_t)np, (int)wait_ms);
		if (r < 0 && errno != EINTR)
			fatal("poll");
		if (r > 0 && (pfd[0].revents & POLLIN)) {
			char drain[64];
			while (read(sigchld_pipe[0], drain, sizeof drain) > 0) {
			}
		}
		reap();
		for (int k = 1; r > 0 && k < np; k++) {
			if (!(pfd[k].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			struct job *j = owner[k];
			int s = which[k];
			char chunk[16384];
			ssize_t got = read(j->fds[s], chunk, sizeof chunk);
			if (got > 0)
				append(&j->out[s], chunk, (size_t)got);
			else if (got == 0 || (errno != EAGAIN && errno != EINTR)) {
				close(j->fds[s]);
				j->fds[s] = -1;
			}
		}
		now = now_ms();
		for (int i = 0; i < parallel; i++) {
			struct job *j = &slots[i];
			if (!j->used)
				continue;
			if (!j->exited && !j->timed_out && now >= j->deadline_ms) {
				j->timed_out = 1;
				kill(-j->pid, SIGKILL);
				kill(j->pid, SIGKILL);
			}
			if (job_done(j, now))
				finish(j);
		}
	}
}

int main(void)
{
	crc_init();
	if (getpid() != 1)
		say("not PID 1: running anyway (testing?)");
	mount_everything();
	open_channel();
	say("sudcheck agent %s: data channel %s", AGENT_VERSION, data_name);

	if (pipe2(sigchld_pipe, O_CLOEXEC | O_NONBLOCK))
		fatal("pipe");
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_sigchld;
	sa.sa_flags = SA_RESTART | SA_NOCLDSTOP;
	sigaction(SIGCHLD, &sa, NULL);

	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	emit_text("hello", "sudcheck-agent %s\nchannel=%s\ncpus=%ld\n", AGENT_VERSION, data_name, cpus);
	read_manifest();

	run_all(&probe_entry, 1, 1, 0); /* finish() learns the features from its output */
	size_t skipped = run_all(cases, ncases, jobs, 1);
	skipped += run_all(alone, nalone, 1, 1);
	emit_text("end", "sudcheck-agent %s\ncases=%zu\nnot-run=%zu\n", AGENT_VERSION, ncases + nalone, skipped);
	say("done: %zu cases, %zu not run (requirements absent); powering off", ncases + nalone, skipped);
	power_off();
}
