# AMNS on SynthPEDES with 50 % of the train captions shuffled (noisy).
_base_ = './amns_tinyclip_30e_synthpedes.py'
train_dataloader = dict(dataset=dict(noise_rate=0.5))
