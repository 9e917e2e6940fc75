# CLIP ViT-B/16 at 384x128 with a 77-token text encoder, as every method in
# the field fine-tunes it. The weights come from a transformers checkpoint:
# a local folder (e.g. made by tools/convert_openai_clip.py from OpenAI's
# ViT-B-16.pt) or a hub name, set by the environment variable AMNSFW_CLIP
# (default openai/clip-vit-base-patch16) or by --cfg-options
# model.image_encoder.pretrained=DIR model.text_encoder.pretrained=DIR.
# The tokenizer comes from the dataset config (CLIPBPETokenizer, same env).
clip = '{{$AMNSFW_CLIP:openai/clip-vit-base-patch16}}'
model = dict(
    type='TextImageRetriever',
    image_encoder=dict(
        type='CLIPImageEncoder', image_size=(384, 128), pretrained=clip),
    text_encoder=dict(type='CLIPTextEncoder', pretrained=clip),
    masker=dict(type='IdentityMasker'),
    losses=[dict(type='SDMLoss', tau=0.02)])
