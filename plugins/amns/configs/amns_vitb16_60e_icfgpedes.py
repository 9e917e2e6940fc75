# AMNS on ICFG-PEDES: the CUHK-PEDES recipe with ICFG-PEDES's reader, folder
# and ID classes. ICFGPEDES carves a val split out of train by identity
# (val_ids=0.1, val_seed=0; train excludes it): 2,792 of the 3,102 train ids
# train.
_base_ = ['./amns_vitb16_60e_cuhkpedes.py']
model = dict(num_classes=2792)
train_dataloader = dict(dataset=dict(
    type='ICFGPEDES', data_root='{{$AMNSFW_DATA_ROOT:data}}/ICFG-PEDES'))
val_dataloader = dict(dataset=train_dataloader['dataset'])
test_dataloader = val_dataloader
