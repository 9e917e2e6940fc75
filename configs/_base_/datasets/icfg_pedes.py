# ICFG-PEDES (ICFG-PEDES.json, images under imgs/), read by ICFGPEDES;
# pipelines, loaders and tokenizer as for CUHK-PEDES. The data set folder
# comes from AMNSFW_DATA_ROOT (default: data/), or per loader from
# --cfg-options
#   train_dataloader.dataset.data_root=/path/ICFG-PEDES (likewise val_, test_).
_base_ = './cuhk_pedes.py'
# 3,102 train ids less the 310 carved out for val (val_ids=0.1).
num_train_ids = 2792
data_root = '{{$AMNSFW_DATA_ROOT:data}}/ICFG-PEDES'
# ICFG-PEDES has no val split: ICFGPEDES carves one from train by identity
# (val_ids=0.1, val_seed=0 by default; train and val must use the same
# values, so set both if you change them), and train excludes it.
train_dataloader = dict(dataset=dict(type='ICFGPEDES', data_root=data_root))
val_dataloader = dict(dataset=dict(type='ICFGPEDES', data_root=data_root))
test_dataloader = dict(dataset=dict(type='ICFGPEDES', data_root=data_root))
