/* SPDX-License-Identifier: BSD-3-Clause */
#include "config.h"
#include "core/self-identity.h"

#include <dlfcn.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>
#ifdef HAVE_DL_ITERATE_PHDR
#include <link.h>
#endif

/* Not exported, so no other library can interpose it: its address is
 * always inside our own mapping. */
static const char self_marker = 0;

bool
hkp11_self_file (const char *path)
{
	Dl_info info;
	struct stat self, other;
	if (dladdr (&self_marker, &info) == 0 || info.dli_fname == NULL)
		return false;
	if (stat (info.dli_fname, &self) != 0 || stat (path, &other) != 0)
		return false;
	return self.st_dev == other.st_dev && self.st_ino == other.st_ino;
}

#ifdef HAVE_DL_ITERATE_PHDR

#ifndef NT_GNU_BUILD_ID
#define NT_GNU_BUILD_ID 3
#endif
#define NOTE_ALIGN(n) (((n) + 3u) & ~(size_t)3u)

typedef struct {
	uintptr_t addr;       /* an address inside the object sought */
	unsigned char id[64]; /* its GNU build ID */
	size_t len;           /* 0: none found */
} build_id_query;

static bool
holds_address (const struct dl_phdr_info *info, uintptr_t addr)
{
	for (int i = 0; i < info->dlpi_phnum; i++) {
		const ElfW (Phdr) *ph = &info->dlpi_phdr[i];
		uintptr_t start = (uintptr_t)info->dlpi_addr + ph->p_vaddr;
		if (ph->p_type == PT_LOAD && addr >= start && addr - start < ph->p_memsz)
			return true;
	}
	return false;
}

static void
read_build_id (const struct dl_phdr_info *info, build_id_query *q)
{
	for (int i = 0; i < info->dlpi_phnum; i++) {
		const ElfW (Phdr) *ph = &info->dlpi_phdr[i];
		if (ph->p_type != PT_NOTE)
			continue;
		const unsigned char *p = (const unsigned char *)(info->dlpi_addr + ph->p_vaddr);
		size_t left = ph->p_memsz;
		while (left >= sizeof (ElfW (Nhdr))) {
			ElfW (Nhdr) note;
			memcpy (&note, p, sizeof note);
			size_t name = NOTE_ALIGN (note.n_namesz), desc = NOTE_ALIGN (note.n_descsz);
			if (name > left - sizeof note || desc > left - sizeof note - name)
				break;
			const unsigned char *name_at = p + sizeof note;
			if (note.n_type == NT_GNU_BUILD_ID && note.n_namesz == 4 &&
			    memcmp (name_at, "GNU", 4) == 0 && note.n_descsz > 0 &&
			    note.n_descsz <= sizeof q->id) {
				memcpy (q->id, name_at + name, note.n_descsz);
				q->len = note.n_descsz;
				return;
			}
			p += sizeof note + name + desc;
			left -= sizeof note + name + desc;
		}
	}
}

static int
find_build_id (struct dl_phdr_info *info, size_t size, void *data)
{
	build_id_query *q = data;
	(void)size;
	if (!holds_address (info, q->addr))
		return 0;
	read_build_id (info, q);
	return 1;
}

static bool
same_build (const void *addr)
{
	build_id_query ours = { .addr = (uintptr_t)&self_marker, .len = 0 };
	build_id_query theirs = { .addr = (uintptr_t)addr, .len = 0 };
	dl_iterate_phdr (find_build_id, &ours);
	dl_iterate_phdr (find_build_id, &theirs);
	return ours.len > 0 && ours.len == theirs.len && memcmp (ours.id, theirs.id, ours.len) == 0;
}

#else

static bool
same_build (const void *addr)
{
	(void)addr;
	return false;
}

#endif

hkp11_self_kind
hkp11_self_object (const void *addr)
{
	Dl_info ours, theirs;
	if (addr == NULL || dladdr (&self_marker, &ours) == 0 || dladdr (addr, &theirs) == 0)
		return HKP11_SELF_NO;
	if (ours.dli_fbase == theirs.dli_fbase)
		return HKP11_SELF_SAME_OBJECT;
	return same_build (addr) ? HKP11_SELF_SAME_BUILD : HKP11_SELF_NO;
}
