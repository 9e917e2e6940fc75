"""Bad and unusual annotation input: blank captions, unicode, empty splits."""
import json

import pytest

from amnsfw.datasets import AnnotationError, CUHKPEDES, RSTPReid


def _write(folder, records, name='reid_raw.json'):
    path = folder / name
    path.write_text(json.dumps(records, ensure_ascii=False), encoding='utf-8')
    return str(path)


def _record(pid, captions, split='train'):
    return dict(split=split, id=pid, file_path=f'{pid}.jpg',
                captions=captions)


@pytest.mark.parametrize('caption', ['', '   ', '\t\n'])
def test_blank_caption_names_file_record_index_and_id(tmp_path, caption):
    path = _write(tmp_path, [_record(1, ['A man.']),
                             _record(42, ['A woman.', caption])])
    with pytest.raises(AnnotationError) as error:
        CUHKPEDES(data_root=str(tmp_path))
    message = str(error.value)
    assert f'{path}, record 1:' in message
    assert 'record id 42' in message
    assert 'captions[1] is empty or whitespace only' in message


def test_non_string_caption_names_its_position(tmp_path):
    _write(tmp_path, [_record(3, ['A man.', None])])
    with pytest.raises(AnnotationError,
                       match=r'record 0: captions\[1\] must be a string.*'
                             r'record id 3'):
        CUHKPEDES(data_root=str(tmp_path))


def test_record_without_id_is_named_by_index_only(tmp_path):
    record = _record(3, ['A man.'])
    del record['id']
    path = _write(tmp_path, [record])
    with pytest.raises(AnnotationError) as error:
        CUHKPEDES(data_root=str(tmp_path))
    assert str(error.value) == f"{path}, record 0: missing field 'id'"


def test_other_formats_name_the_id_too(tmp_path):
    record = dict(split='train', id=0, img_path='0.jpg', captions=[' '])
    _write(tmp_path, [record], name='data_captions.json')
    with pytest.raises(AnnotationError, match='record 0: .*record id 0'):
        RSTPReid(data_root=str(tmp_path))


NON_ASCII = ['Un homme au café, veste bleue.', '穿红色外套的女人',
             'naïve – “quoted”']


def test_non_ascii_captions_are_kept_as_they_are(tmp_path, tokenizer_cfg):
    _write(tmp_path, [_record(1, NON_ASCII[:2]), _record(2, NON_ASCII[2:])])
    dataset = CUHKPEDES(
        data_root=str(tmp_path),
        text_pipeline=[dict(type='TokenizeCaption', tokenizer=tokenizer_cfg)])
    captions = [dataset.get_data_info(i)['caption']
                for i in range(len(dataset))]
    assert captions == NON_ASCII
    for index in range(len(dataset)):
        item = dataset[index]  # through the text pipeline
        assert item['caption'] == NON_ASCII[index]
        assert item['text_mask'].sum() >= 2  # SOT ... EOT


def test_empty_split_names_file_and_split(tmp_path):
    path = _write(tmp_path, [_record(1, ['A man.'], split='train')])
    with pytest.raises(AnnotationError) as error:
        CUHKPEDES(data_root=str(tmp_path), split='test')
    assert path in str(error.value) and "split 'test'" in str(error.value)
