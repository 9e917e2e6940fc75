# IRRA on RSTPReid: the CUHK-PEDES recipe with RSTPReid's reader, folder
# and ID classes (3,701 train ids).
_base_ = ['./irra_vitb16_60e_cuhkpedes.py']
model = dict(num_classes=3701)
train_dataloader = dict(dataset=dict(
    type='RSTPReid', data_root='{{$AMNSFW_DATA_ROOT:data}}/RSTPReid'))
val_dataloader = dict(dataset=train_dataloader['dataset'])
test_dataloader = val_dataloader
