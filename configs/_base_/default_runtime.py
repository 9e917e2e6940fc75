# Runtime shared by every experiment: MMEngine hooks, logging, environment.
default_scope = 'amnsfw'

default_hooks = dict(
    timer=dict(type='IterTimerHook'),
    logger=dict(type='LoggerHook', interval=20),
    param_scheduler=dict(type='ParamSchedulerHook'),
    # Keep the latest checkpoint (to resume) and the best on the val split;
    # written so that a kill at any instant leaves them resumable.
    checkpoint=dict(type='AtomicCheckpointHook', interval=1,
                    max_keep_ckpts=1, save_best='retrieval/R1',
                    rule='greater'),
    sampler_seed=dict(type='DistSamplerSeedHook'),
    # Reseed the global generators per epoch: a resumed run repeats the
    # uninterrupted one exactly.
    epoch_seed=dict(type='EpochSeedHook'),
    # Fail loudly, lose nothing (checks only: training numbers unchanged).
    # One training per work dir; a killed run's lock is taken over.
    run_lock=dict(type='RunLockHook'),
    # A NaN / infinite loss, gradient or weight stops the run before it
    # writes a checkpoint; with fp16 AMP, too many skipped steps do.
    divergence=dict(type='DivergenceHook'),
    # --resume from a checkpoint of another model stops, naming the keys.
    checkpoint_match=dict(type='CheckpointMatchHook'),
)

env_cfg = dict(
    cudnn_benchmark=False,
    mp_cfg=dict(mp_start_method='fork', opencv_num_threads=0),
    dist_cfg=dict(backend='nccl'),
)

visualizer = dict(type='Visualizer',
                  vis_backends=[dict(type='LocalVisBackend')])
log_processor = dict(by_epoch=True, window_size=20)
log_level = 'INFO'
load_from = None
resume = False
randomness = dict(seed=0)
