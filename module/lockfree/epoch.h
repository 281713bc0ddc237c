/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Epoch-based reclamation: readers walk shared structures without taking
 * a lock, and writers free what they unlinked once no reader can still
 * hold it.
 *
 * A reader brackets its walk with hkp11_epoch_enter and hkp11_epoch_exit;
 * inside, it loads every shared pointer with __atomic_load_n (SEQ_CST)
 * and never blocks.  A writer (under its own lock) unlinks an item with a
 * SEQ_CST store, hands it to hkp11_epoch_retire, and later calls
 * hkp11_epoch_reclaim, which frees every retired item that no reader
 * section begun before the unlink can still see.  Nothing ever waits: an
 * item a reader may still hold stays retired until a later reclaim.
 *
 * Each thread announces itself in a record of its own (its own cache
 * line), so readers on different CPUs share nothing that is written.  No
 * thread is ever created: reclaiming happens in the writers (NSS forbids
 * a module's own threads).
 */
#ifndef HKP11_EPOCH_H
#define HKP11_EPOCH_H

typedef struct hkp11_epoch_reader hkp11_epoch_reader;

/* Starts a read section; sections nest.  Returns NULL only when the
 * thread's record cannot be allocated: then the caller must not read
 * without its lock. */
hkp11_epoch_reader *hkp11_epoch_enter (void);

/* Ends the read section begun by the matching hkp11_epoch_enter. */
void hkp11_epoch_exit (hkp11_epoch_reader *reader);

/* Frees item with free_item once no reader can hold it.  The caller has
 * already unlinked it.  Out of memory, the item is never freed: a leak is
 * better than freeing what a reader may hold. */
void hkp11_epoch_retire (void *item, void (*free_item) (void *item));

/* Frees what has been retired and that no reader can hold any more. */
void hkp11_epoch_reclaim (void);

#endif
