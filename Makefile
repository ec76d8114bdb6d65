# Builds every fixture (fixtures-c/*.c) twice: dynamic for the local target, -static for VMs.
# Incremental: each binary depends on its source and the shared header.
CC      ?= gcc
CFLAGS  ?= -O2 -g
CFLAGS  += -Wall -Wextra -Werror -std=gnu11
LDLIBS  := -lpthread
BUILD   := build

FIXTURES := $(patsubst fixtures-c/%.c,%,$(wildcard fixtures-c/*.c))
HELPERS  := $(patsubst test/helpers/%.c,%,$(wildcard test/helpers/*.c))

DYN     := $(addprefix $(BUILD)/bin/,$(FIXTURES))
STATIC  := $(addprefix $(BUILD)/static/,$(FIXTURES))
TESTBIN := $(addprefix $(BUILD)/test/,$(HELPERS))

.PHONY: all fixtures static test-helpers clean
all: fixtures static test-helpers
fixtures: $(DYN)
static: $(STATIC)
test-helpers: $(TESTBIN)

$(BUILD)/bin/%: fixtures-c/%.c fixtures-c/sud.h | $(BUILD)/bin
	$(CC) $(CFLAGS) -o $@ $< $(LDLIBS)

$(BUILD)/static/%: fixtures-c/%.c fixtures-c/sud.h | $(BUILD)/static
	$(CC) $(CFLAGS) -static -o $@ $< $(LDLIBS)

$(BUILD)/test/%: test/helpers/%.c fixtures-c/sud.h | $(BUILD)/test
	$(CC) $(CFLAGS) -Ifixtures-c -o $@ $< $(LDLIBS)

$(BUILD)/bin $(BUILD)/static $(BUILD)/test:
	mkdir -p $@

clean:
	rm -rf $(BUILD)

# ---------------------------------------------------------------- ia32 (issue 3, compat family C16-C17)
# Freestanding 32-bit (i386) programs: fixtures-c/ia32/<name>.c -> build/bin/ia32-<name> and
# build/static/ia32-<name> (the same static binary: it uses no libc). Needs only `gcc -m32` to
# compile, not a 32-bit libc (no gcc-multilib). Not run by the runner directly: the `compat` fixture
# execs them, so a kernel without ia32 emulation (ENOEXEC) gives SKIP.
IA32_CFLAGS := -m32 -O2 -g -Wall -Wextra -Werror -std=gnu11 -ffreestanding -nostdlib -static \
               -fno-pie -no-pie -fno-stack-protector -fcf-protection=none -mgeneral-regs-only \
               -fno-asynchronous-unwind-tables
IA32_PROGS  := $(patsubst fixtures-c/ia32/%.c,ia32-%,$(wildcard fixtures-c/ia32/*.c))

fixtures: $(addprefix $(BUILD)/bin/,$(IA32_PROGS))
static: $(addprefix $(BUILD)/static/,$(IA32_PROGS))

$(BUILD)/bin/ia32-%: fixtures-c/ia32/%.c | $(BUILD)/bin
	$(CC) $(IA32_CFLAGS) -o $@ $<

$(BUILD)/static/ia32-%: fixtures-c/ia32/%.c | $(BUILD)/static
	$(CC) $(IA32_CFLAGS) -o $@ $<

# ---------------------------------------------------------------- agent (issue 5, QEMU target)
# The /init of the initramfs that `sudcheck run --kernel` boots (agent/agent.c -> build/static/agent):
# runs the probe and every case inside the VM and streams framed observations over a serial port.
.PHONY: agent
agent: $(BUILD)/static/agent
all: agent

$(BUILD)/static/agent: agent/agent.c | $(BUILD)/static
	$(CC) -O2 -Wall -Wextra -Werror -std=gnu11 -static -o $@ $<
