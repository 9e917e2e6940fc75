# CLIP ViT-B/16 at 384x128 with a 77-token text encoder, as every method in
# the field fine-tunes it. The weights and the tokenizer come from one
# transformers checkpoint: a local folder (e.g. made by
# tools/convert_openai_clip.py from OpenAI's ViT-B-16.pt) or a hub name, set
# by the environment variable AMNSFW_CLIP (default
# openai/clip-vit-base-patch16) or by --cfg-options
# model.image_encoder.pretrained=DIR model.text_encoder.pretrained=DIR.
model = dict(
    type='TextImageRetriever',
    # CLIP's BPE tokenizer (vocab.json and merges.txt, or tokenizer.json, in
    # the checkpoint): the one tokenizer definition of every recipe on this
    # model (the data bases' text pipelines read it).
    tokenizer=dict(
        type='CLIPBPETokenizer',
        name_or_path='{{$AMNSFW_CLIP:openai/clip-vit-base-patch16}}',
        max_length=77),
    image_encoder=dict(
        type='CLIPImageEncoder', image_size=(384, 128),
        pretrained='{{$AMNSFW_CLIP:openai/clip-vit-base-patch16}}'),
    text_encoder=dict(
        type='CLIPTextEncoder',
        pretrained='{{$AMNSFW_CLIP:openai/clip-vit-base-patch16}}'),
    masker=dict(type='IdentityMasker'),
    loss_heads=[dict(type='SDMLoss', tau=0.02)])
