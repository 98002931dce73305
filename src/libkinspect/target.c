/* What a session's open target is (see kinspect/target.h): a dump's notes,
 * a CPU's page tables through the architecture table, a live guest's run
 * state and traffic.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <kinspect/target.h>

#include "arch/arch.h"
#include "core/error-priv.h"
#include "libkinspect/kernel-priv.h"

struct kinspect_error *kinspect_kernel_kaslr_probes(struct kinspect_kernel *k, unsigned int *ret)
{
	const struct kinspect_kaslr *kaslr;
	struct kinspect_error *err = kinspect_kernel_kaslr_record(k, &kaslr);
	if (err)
		return err;
	*ret = kaslr->probes;
	return NULL;
}

/* The open dump, or an error saying a dump is what the question needs. */
static struct kinspect_error *open_dump(struct kinspect_kernel *k, struct kinspect_elf_dump **ret)
{
	struct kinspect_error *err = kinspect_kernel_open_target(k);
	if (err)
		return err;
	if (!(*ret = kinspect_kernel_dump(k)))
		return kinspect_error_create(KINSPECT_ERROR_INVALID_ARGUMENT, "target %s is not a dump",
					     kinspect_kernel_target(k));
	return NULL;
}

static struct kinspect_error *open_gdbstub(struct kinspect_kernel *k, struct kinspect_gdbstub **ret)
{
	struct kinspect_error *err = kinspect_kernel_open_target(k);
	if (err)
		return err;
	if (!(*ret = kinspect_kernel_gdbstub(k)))
		return kinspect_error_create(KINSPECT_ERROR_INVALID_ARGUMENT, "target %s is a dump, not a live guest",
					     kinspect_kernel_target(k));
	return NULL;
}

struct kinspect_error *kinspect_kernel_paging(struct kinspect_kernel *k, unsigned int cpu, uint64_t *ret_root,
					      int *ret_levels)
{
	struct kinspect_error *err = kinspect_kernel_open_target(k);
	if (err)
		return err;
	struct kinspect_elf_dump *dump = kinspect_kernel_dump(k);
	uint64_t root = 0, control = 0;
	if (dump) {
		const struct kinspect_elf_dump_cpu *c = kinspect_elf_dump_cpu(dump, cpu);
		if (c) {
			root = c->page_table_root;
			control = c->paging_control;
		}
	} else if (!kinspect_kernel_gdbstub(k)) {
		return kinspect_error_create(KINSPECT_ERROR_UNSUPPORTED, "the target's callbacks give no page tables");
	} else if ((err = kinspect_arch()->read_paging(kinspect_kernel_gdbstub(k), cpu, &root, &control))) {
		return err;
	}
	*ret_root = root;
	*ret_levels = kinspect_arch()->paging_levels(control);
	return NULL;
}

const char *kinspect_kernel_page_table_root_name(const struct kinspect_kernel *k)
{
	(void)k;
	return kinspect_arch()->page_table_root_name;
}

struct kinspect_error *kinspect_kernel_round_trips(struct kinspect_kernel *k, uint64_t *ret_total,
						   uint64_t *ret_connect)
{
	struct kinspect_gdbstub *gs;
	struct kinspect_error *err = open_gdbstub(k, &gs);
	if (err)
		return err;
	struct kinspect_gdbstub_stats stats;
	kinspect_gdbstub_stats(gs, &stats);
	*ret_total = stats.round_trips;
	*ret_connect = kinspect_kernel_connect_stats(k)->round_trips;
	return NULL;
}

struct kinspect_error *kinspect_kernel_run_state_source(struct kinspect_kernel *k, const char **ret_was_running,
							const char **ret_status, const char **ret_source,
							const char **ret_how)
{
	struct kinspect_gdbstub *gs;
	struct kinspect_error *err = open_gdbstub(k, &gs);
	if (err)
		return err;
	const struct kinspect_gdbstub_run_state *found = kinspect_gdbstub_run_state(gs);
	*ret_was_running = found ? kinspect_gdbstub_was_running_name(found->was_running) : NULL;
	*ret_status = found && found->status[0] ? found->status : NULL;
	*ret_source = found ? kinspect_gdbstub_run_state_source_name(found->source) : NULL;
	*ret_how = found ? found->how : NULL;
	return NULL;
}

struct kinspect_error *kinspect_kernel_dump_details(struct kinspect_kernel *k, bool *ret_paging,
						    bool *ret_vmcoreinfo)
{
	struct kinspect_elf_dump *dump;
	struct kinspect_error *err = open_dump(k, &dump);
	if (err)
		return err;
	*ret_paging = kinspect_elf_dump_has_paging(dump);
	*ret_vmcoreinfo = kinspect_elf_dump_vmcoreinfo(dump) != NULL;
	return NULL;
}

struct kinspect_error *kinspect_kernel_dump_cpu_note(struct kinspect_kernel *k, unsigned int index,
						     uint64_t *ret_pc, uint64_t *ret_sp)
{
	struct kinspect_elf_dump *dump;
	struct kinspect_error *err = open_dump(k, &dump);
	if (err)
		return err;
	const struct kinspect_elf_dump_cpu *c = kinspect_elf_dump_cpu(dump, index);
	if (!c)
		return kinspect_error_create(KINSPECT_ERROR_INVALID_ARGUMENT, "dump %s has no CPU %u (%zu CPUs)",
					     kinspect_kernel_target(k), index, kinspect_elf_dump_nr_cpus(dump));
	*ret_pc = c->pc;
	*ret_sp = c->sp;
	return NULL;
}

struct kinspect_error *kinspect_kernel_dump_nr_prstatus(struct kinspect_kernel *k, size_t *ret)
{
	struct kinspect_elf_dump *dump;
	struct kinspect_error *err = open_dump(k, &dump);
	if (err)
		return err;
	*ret = kinspect_elf_dump_nr_prstatus(dump);
	return NULL;
}

struct kinspect_error *kinspect_kernel_dump_prstatus(struct kinspect_kernel *k, size_t index, uint32_t *ret_pid,
						     uint64_t *ret_pc, uint64_t *ret_sp)
{
	struct kinspect_elf_dump *dump;
	struct kinspect_error *err = open_dump(k, &dump);
	if (err)
		return err;
	const struct kinspect_elf_dump_prstatus *p = kinspect_elf_dump_prstatus(dump, index);
	if (!p)
		return kinspect_error_create(KINSPECT_ERROR_INVALID_ARGUMENT, "dump %s has no NT_PRSTATUS note %zu",
					     kinspect_kernel_target(k), index);
	*ret_pid = p->pid;
	*ret_pc = p->pc;
	*ret_sp = p->sp;
	return NULL;
}
