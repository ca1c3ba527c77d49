/*
 * checkpoint.h -- state checkpoints: everything the next step depends on, saved as a NumPy .npz file and
 * loaded back (internal; the public calls are rectic_net_save_state, _load_state and _checkpoint_every).
 */
#ifndef RCT_CHECKPOINT_H
#define RCT_CHECKPOINT_H

#include "network.h"

/* A checkpoint is due (the step counter reached a multiple of net->ckpt_every during a run): saves the
   state into net->ckpt_path. */
int rct_checkpoint_due(rectic_net *net);

#endif
