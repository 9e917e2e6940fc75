# SDM alone (IRRA's alignment loss without ID and MLM) on the pretrained tiny
# CLIP (model zoo) and SynthPEDES: the plain baseline of the noise-robustness
# benchmark.
_base_ = [
    '../_base_/models/tiny_clip.py', '../_base_/datasets/synthpedes.py',
    '../_base_/schedules/adamw_30e.py', '../_base_/default_runtime.py'
]
tokenizer = {{_base_.tokenizer}}
model = dict(tokenizer=tokenizer, losses=[dict(type='SDMLoss', tau=0.02)])
