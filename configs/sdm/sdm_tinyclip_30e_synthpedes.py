# SDM alone (IRRA's alignment loss without ID and MLM, tau 0.02: the tiny
# CLIP base's own loss head) on the pretrained tiny CLIP (model zoo) and
# SynthPEDES: the plain baseline of the noise-robustness benchmark.
_base_ = [
    '../_base_/datasets/synthpedes.py', '../_base_/schedules/adamw_30e.py',
    '../_base_/default_runtime.py'
]
