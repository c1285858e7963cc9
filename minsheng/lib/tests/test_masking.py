"""Tests for minsheng.lib.masking: personal data in citizen messages and replies.

Every ID and card number below is synthetic: built from made-up digits with the checksum
computed here, independently of the module under test.
"""

from __future__ import annotations

import itertools
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from minsheng.lib.masking import (
    SURNAMES,
    MaskResult,
    MaskSpan,
    apply_spans,
    find_personal_data,
    mask_personal_data,
)

REPO_ROOT = Path(__file__).resolve().parents[3]

# ---------------------------------------------------------------------------------------------
# Synthetic test data.
_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def id_check(first17: str) -> str:
    return "10X98765432"[sum(int(d) * w for d, w in zip(first17, _WEIGHTS, strict=True)) % 11]


def make_id(region: str = "430102", birth: str = "19900307", seq: str = "123") -> str:
    body = region + birth + seq
    assert len(body) == 17
    return body + id_check(body)


def luhn_ok(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch) * (2 if i % 2 else 1)
        total += d - 9 if d > 9 else d
    return total % 10 == 0


def make_card(prefix: str) -> str:
    """Complete `prefix` with the Luhn check digit."""
    return next(prefix + c for c in "0123456789" if luhn_ok(prefix + c))


def bad_id_not_card(region: str = "430102", birth: str = "19900307", seq: str = "123") -> str:
    """18 digits shaped like an ID whose check digit is wrong and which fails Luhn too."""
    body = region + birth + seq
    for c in "0123456789":
        if c != id_check(body) and not luhn_ok(body + c):
            return body + c
    raise AssertionError("unreachable")


def group4(digits: str) -> str:
    return " ".join(digits[i : i + 4] for i in range(0, len(digits), 4))


ID_A = make_id("430102", "19900307", "123")
ID_X = next(
    make_id("430104", "19851120", f"{n:03d}")
    for n in range(1000)
    if make_id("430104", "19851120", f"{n:03d}").endswith("X")
)
ID_B = make_id("110105", "20010228", "456")
ID_OLD15 = "430102850307123"  # old format: 43 0102 85-03-07 123, no checksum
ID_WRONG_DATE = "430102" + "19901345" + "123"  # month 13
ID_WRONG_DATE += id_check(ID_WRONG_DATE)
ORDER_BAD_ID = bad_id_not_card("430102", "20190305", "887")
ORDER_NUMBER = "201903051234567890"  # starts with 20: not a province, not a card issuer
CARD_16 = make_card("622202123456789")
CARD_19 = make_card("621700123456789012")
CARD_VISA = make_card("422222123456789")
NOT_LUHN_16 = next(f"62220212345678{n:02d}" for n in range(100) if not luhn_ok(f"62220212345678{n:02d}"))


def mid(value: str, head: int = 4, tail: int = 4) -> str:
    """The part of a value that masking must hide."""
    return value[head : len(value) - tail]


# ---------------------------------------------------------------------------------------------
# The corpus: (input, kinds that must be found, secrets that must vanish, text that must stay).
Row = tuple[str, set[str], list[str], list[str]]

CORPUS: list[tuple[str, Row]] = [
    # --- noise ---
    (
        "noise_mobile_plain",
        (
            "楼下烧烤店每天营业到凌晨2点，噪音严重影响休息，已持续3个月。联系电话13812345678。",
            {"mobile"},
            ["13812345678", "1234"],
            ["凌晨2点", "3个月", "138****5678"],
        ),
    ),
    (
        "noise_mobile_dashes",
        (
            "幸福小区旁工地夜间施工，22:00以后还在打桩。我的手机：139-8765-4321，请尽快处理。",
            {"mobile"},
            ["139-8765-4321", "8765"],
            ["22:00", "139-****-4321"],
        ),
    ),
    (
        "noise_mobile_spaces",
        (
            "广场舞音响声音太大，每晚7点到10点，投诉多次无果。联系方式 150 1111 2222",
            {"mobile"},
            ["1111"],
            ["7点到10点", "150 **** 2222"],
        ),
    ),
    (
        "noise_mobile_plus86",
        (
            "KTV噪音扰民，本人在外地出差，请回电+86 186 0000 1234或者+8618600001235。",
            {"mobile"},
            ["0000 1234", "86000012"],
            ["+86 186 **** 1234", "+86186****1235"],
        ),
    ),
    (
        "noise_room_and_name",
        (
            "我叫陈晓东，住在金桂园5号楼1203，楼上每天深夜拖动家具。",
            {"name", "address"},
            ["陈晓东", "1203"],
            ["金桂园", "陈**", "*号楼****"],
        ),
    ),
    (
        "noise_bus_line",
        (
            "12路和K101路公交车在站台长时间鸣笛，附近居民200户深受其扰。",
            set(),
            [],
            ["12路", "K101路", "200户"],
        ),
    ),
    (
        "noise_landline_area_code",
        (
            "酒吧音乐声太大，已打12345热线两次。座机0731-88886666，白天可联系。",
            {"landline"},
            ["88886666"],
            ["12345热线", "0731-******66"],
        ),
    ),
    (
        "noise_landline_brackets",
        ("建筑工地周末施工，请城管执法。电话(0731)8888666。", {"landline"}, ["8888666"], ["(0731)*****66"]),
    ),
    (
        "noise_landline_bare_after_keyword",
        ("小区门口早市占道，噪音大。联系电话：88886666，谢谢。", {"landline"}, ["88886666"], ["******66"]),
    ),
    (
        "noise_percent_and_amount",
        ("调查显示95%的住户反映噪音超标，罚款5000元能否落实？", set(), [], ["95%", "5000元"]),
    ),
    # --- housing ---
    (
        "housing_full_address",
        (
            "本人张三丰，住幸福小区3栋2单元502室，房屋漏水已两年，物业不管。",
            {"name", "address"},
            ["张三丰", "502"],
            ["幸福小区", "*栋*单元***室", "张**"],
        ),
    ),
    (
        "housing_building_unit_only",
        (
            "金色家园18栋3单元电梯经常停运，老人上下楼很困难。",
            {"address"},
            ["18栋3单元"],
            ["金色家园", "**栋*单元"],
        ),
    ),
    (
        "housing_tower_room",
        ("万达广场A座1801业主反映，中央空调一直不制冷。", {"address"}, ["A座1801"], ["万达广场", "*座****"]),
    ),
    (
        "housing_room_alone",
        ("楼上502房把阳台改成厨房，油烟直排，请查处。", {"address"}, ["502房"], ["***房"]),
    ),
    (
        "housing_dash_triplet",
        ("我家住在桂花苑3-2-502室，门口堆满了杂物。", {"address"}, ["3-2-502"], ["桂花苑", "*-*-***室"]),
    ),
    (
        "housing_room_count_stays",
        (
            "2018年买的3室2厅商品房，面积120平方米，至今没有办理不动产证。",
            set(),
            [],
            ["3室2厅", "120平方米", "2018年"],
        ),
    ),
    (
        "housing_street_number_stays",
        ("人民路88号的门面被违规改建，影响整条街的消防通道。", set(), [], ["人民路88号"]),
    ),
    (
        "housing_street_number_with_room",
        (
            "五一大道168号华天大厦1506室的公司拖欠装修款。",
            {"address"},
            ["1506"],
            ["五一大道168号", "华天大厦", "****室"],
        ),
    ),
    (
        "housing_chinese_numerals",
        ("安置小区三栋二单元的楼道灯坏了半年。", {"address"}, ["三栋二单元"], ["安置小区", "*栋*单元"]),
    ),
    (
        "housing_deposit_amount",
        (
            "开发商要求交1.5万元保证金才交房，合同约定2019年12月31日前交付。",
            set(),
            [],
            ["1.5万元", "2019年12月31日"],
        ),
    ),
    (
        "housing_miss_with_name",
        (
            "李女士反映：她在翠湖苑7栋1单元301室，卫生间渗水到楼下。",
            {"address"},
            ["301"],
            ["李女士", "翠湖苑", "*栋*单元***室"],
        ),
    ),
    (
        "housing_surname_title_stays",
        ("物业的刘经理和王师傅来看过，说要等维修基金审批。", set(), [], ["刘经理", "王师傅"]),
    ),
    (
        "housing_property_cert_number",
        (
            "不动产权证号为湘（2019）长沙市不动产权第0123456号，至今未拿到。",
            set(),
            [],
            ["（2019）", "第0123456号"],
        ),
    ),
    # --- wages owed ---
    (
        "wages_bank_card_grouped",
        (
            f"包工头欠我工资3万元，工资卡号{group4(CARD_16)}，请帮忙追讨。",
            {"bank_card"},
            [group4(CARD_16)[5:14]],
            ["3万元", group4(CARD_16)[:4] + " ****"],
        ),
    ),
    (
        "wages_bank_card_19",
        (
            f"农民工工资一直没有打到卡上，卡号{CARD_19}，已经拖了8个月。",
            {"bank_card"},
            [mid(CARD_19)],
            ["8个月", CARD_19[:4], CARD_19[-4:]],
        ),
    ),
    (
        "wages_visa_card",
        (
            f"公司承诺打款到{CARD_VISA}，到现在还没收到。",
            {"bank_card"},
            [mid(CARD_VISA)],
            [CARD_VISA[:4] + "********"],
        ),
    ),
    (
        "wages_id_card",
        (
            f"我叫王小红，身份证号{ID_A}，在某建筑公司做工，老板欠薪2万元。",
            {"id_card", "name"},
            [ID_A, mid(ID_A), "王小红"],
            ["2万元", ID_A[:4], ID_A[-4:], "王**"],
        ),
    ),
    (
        "wages_id_card_x",
        (f"身份证：{ID_X}，欠薪时间2019年3月至今。", {"id_card"}, [mid(ID_X)], ["2019年3月", ID_X[:4]]),
    ),
    ("wages_id_card_lower_x", (f"身份证号码{ID_X.lower()}。", {"id_card"}, [mid(ID_X)], [ID_X[:4]])),
    (
        "wages_id_card_15",
        (
            f"老身份证号{ID_OLD15}，社保局说系统查不到我的参保记录。",
            {"id_card"},
            [ID_OLD15, mid(ID_OLD15)],
            [ID_OLD15[:4]],
        ),
    ),
    (
        "wages_name_pattern_full",
        (
            "姓名：赵建国，在城南工地干了6个月，包工头周某某一直拖欠工资。",
            {"name"},
            ["赵建国"],
            ["赵**", "周某某", "6个月"],
        ),
    ),
    (
        "wages_two_names_with_title",
        (
            "工地负责人张三先生和财务李四女士互相推诿，至今未结清2.8万元。",
            {"name"},
            ["张三", "李四"],
            ["张*先生", "李*女士", "2.8万元"],
        ),
    ),
    (
        "wages_email",
        (
            "材料已发到邮箱 zhangsan.work@163.com ，请劳动监察大队查收。",
            {"email"},
            ["zhangsan.work"],
            ["z***@163.com", "劳动监察大队"],
        ),
    ),
    (
        "wages_arbitration_case_number",
        (
            "仲裁书编号（2019）湘0102劳人仲案字第1234号，已经生效。",
            set(),
            [],
            ["（2019）", "湘0102", "第1234号"],
        ),
    ),
    (
        "wages_doc_number",
        ("根据湘政发〔2019〕12号文件，农民工工资应按月足额支付。", set(), [], ["湘政发〔2019〕12号"]),
    ),
    # --- school places ---
    (
        "school_mobile_and_name",
        (
            "孩子今年6岁，户口在A3区，学区划分后无法入读。家长：孙丽华 15874001234",
            {"mobile"},
            ["15874001234"],
            ["6岁", "A3区", "158****1234"],
        ),
    ),
    (
        "school_extra_name",
        (
            "我的孩子刘子涵在实验小学读二年级，学校乱收费600元。",
            {"name"},
            ["刘子涵"],
            ["实验小学", "600元", "二年级"],
        ),
    ),
    (
        "school_teacher_title_stays",
        ("班主任刘老师说学位已满，要我们去A市第十中学报名。", set(), [], ["刘老师", "A市第十中学"]),
    ),
    (
        "school_dates",
        (
            "报名时间是2019-06-01到2019/06/15，可是系统8:30就关闭了。",
            set(),
            [],
            ["2019-06-01", "2019/06/15", "8:30"],
        ),
    ),
    (
        "school_tracking_code",
        ("我的留言查询码MS2019030512345678，一直显示办理中。", set(), [], ["MS2019030512345678"]),
    ),
    (
        "school_bad_checksum_order",
        (f"缴费订单号{ORDER_BAD_ID}，扣了钱但学校说没收到。", set(), [], [ORDER_BAD_ID]),
    ),
    ("school_date_based_order", (f"交易流水号{ORDER_NUMBER}，请教育局核实。", set(), [], [ORDER_NUMBER])),
    ("school_id_bad_date", (f"系统提示证件号{ID_WRONG_DATE}格式错误。", set(), [], [ID_WRONG_DATE])),
    ("school_not_luhn_16", (f"缴费凭证号{NOT_LUHN_16}。", set(), [], [NOT_LUHN_16])),
    # --- traffic, environment, others ---
    (
        "traffic_bus_route",
        ("K101路公交站点撤销后，居民要走1.5公里才能坐车，建议恢复。", set(), [], ["K101路", "1.5公里"]),
    ),
    (
        "traffic_plate_and_time",
        (
            "湘A12345的渣土车每天早上6点闯红灯，市交警支队请管一管。",
            {"plate"},
            ["湘A12345", "1234"],
            ["湘A****5", "6点", "市交警支队"],
        ),
    ),
    (
        "traffic_plate_new_energy",
        (
            "小区地下车库的两个车位被湘AD12345长期占用，物业说管不了。",
            {"plate"},
            ["AD12345", "D1234"],
            ["湘A*****5", "两个车位"],
        ),
    ),
    (
        "traffic_plate_with_dot",
        ("粤B·A1234的车主天天把车停在消防通道上。", {"plate"}, ["A1234"], ["粤B·****4", "消防通道"]),
    ),
    (
        "traffic_plate_typed_lower_case",
        ("车牌赣c7k213的小车把我家门口的井盖压坏了。", {"plate"}, ["7k213"], ["赣c****3", "井盖"]),
    ),
    (
        "traffic_plate_trailer",
        ("半挂车冀F3512挂每晚停在人行道上卸货。", {"plate"}, ["3512"], ["冀F****挂", "人行道"]),
    ),
    (
        "traffic_police_plate_stays",
        ("湘A1234警的警车停在路口执勤。", set(), [], ["湘A1234警"]),
    ),
    (
        "traffic_plate_lookalikes_stay",
        (
            "根据湘政发〔2020〕12号文件，湘A区、京A3区和粤B区的编号京ABCDE1不变，沪A-12号线延长。",
            set(),
            [],
            ["湘政发〔2020〕12号", "湘A区", "京A3区", "京ABCDE1", "沪A-12号线"],
        ),
    ),
    # --- instant-messaging accounts ---
    (
        "im_qq_after_shi",
        ("物业一直不回电话，我的QQ是123456789，请工作人员加我。", {"account"}, ["123456789", "34567"], ["QQ是12*****89"]),
    ),
    (
        "im_qq_number_label",
        ("QQ号：987654321，白天上班，晚上8点后在线。", {"account"}, ["987654321"], ["QQ号：98*****21", "晚上8点"]),
    ),
    (
        "im_qq_kou_kou",
        ("扣扣号码 54321，有进展麻烦告知。", {"account"}, ["54321"], ["扣扣号码 5***1"]),
    ),
    (
        "im_wechat_id",
        (
            "加我微信：zhangsan_1988，我把夜里施工的视频发给你们。",
            {"account"},
            ["zhangsan_1988", "angsan"],
            ["微信：zh*********88", "视频"],
        ),
    ),
    (
        "im_wechat_id_with_phone_digits",
        ("微信号 wx13812345678，电话同号。", {"account"}, ["13812345678", "3812345"], ["微信号 wx*********78"]),
    ),
    (
        "im_wechat_phone_number_as_id",
        ("微信是13912345678，白天不方便接电话。", {"account"}, ["13912345678"], ["微信是13*******78"]),
    ),
    ("im_vx_short_id", ("证据在vx：Li-Ming2020，可随时联系。", {"account"}, ["Ming20"], ["vx：Li*******20"])),
    (
        "im_public_account_stays",
        (
            "可关注A市博物馆微信公众号（微信号：csbwg01）预约参观。",
            set(),
            [],
            ["微信公众号（微信号：csbwg01）"],
        ),
    ),
    (
        "im_group_and_payments_stay",
        (
            "业主QQ群123456789里有200多人，押金20000元是微信转账的，微信为100000人提供服务。",
            set(),
            [],
            ["QQ群123456789", "20000元", "100000人"],
        ),
    ),
    # --- mobiles in Chinese numerals ---
    (
        "cn_numeral_mobile",
        ("我的手机幺三八一二三四五六七八，随时可以打。", {"mobile"}, ["一二三四"], ["幺三八****五六七八"]),
    ),
    (
        "cn_numeral_mobile_grouped",
        ("联系电话：一三九 八七六五 四三二一", {"mobile"}, ["八七六五"], ["一三九 **** 四三二一"]),
    ),
    (
        "cn_numeral_mobile_zero_and_liang",
        ("有事打一五〇两零零幺两三四五。", {"mobile"}, ["两零零幺"], ["一五〇****两三四五"]),
    ),
    (
        "cn_numerals_weekdays_and_years_stay",
        (
            "社区图书室一三五上午开放，二四六下午开放。一九九八年分的房，二〇一九年还没办证。",
            set(),
            [],
            ["一三五", "二四六", "一九九八年", "二〇一九年"],
        ),
    ),
    # --- full-width spellings (Chinese keyboards) ---
    (
        "full_width_qq_number",
        ("物业不接电话，加我ＱＱ１２３４５６７８９细说。", {"account"}, ["３４５６７"], ["ＱＱ１２*****８９", "物业"]),
    ),
    (
        "full_width_qq_after_full_width_colon",
        ("ＱＱ：９８７６５４３２１，晚上在线。", {"account"}, ["７６５４３"], ["ＱＱ：９８*****２１", "晚上在线"]),
    ),
    (
        "full_width_wechat_id",
        (
            "夜间施工的视频在我这里，微信：ｚｈａｎｇｓａｎ＿１９８８。",
            {"account"},
            ["ａｎｇｓａｎ"],
            ["微信：ｚｈ*********８８", "视频"],
        ),
    ),
    (
        "full_width_mobile",
        ("我的手机１３８１２３４５６７８，白天打。", {"mobile"}, ["１２３４"], ["１３８****５６７８", "白天"]),
    ),
    (
        "full_width_email",
        ("材料发到ＷＡＮＧ＿ＬＩ＠ＥＸＡＭＰＬＥ．ＣＯＭ了。", {"email"}, ["ＡＮＧ＿ＬＩ"], ["Ｗ***＠ＥＸＡＭＰＬＥ．ＣＯＭ"]),
    ),
    (
        "full_width_room_number",
        ("幸福小区３栋２单元５０２室漏水。", {"address"}, ["５０２"], ["幸福小区*栋*单元***室"]),
    ),
    (
        "full_width_quantities_stay",
        (
            "全县２０多个乡镇，加班费一天只有５０元，每周不超过４４小时，供电热线（９５５９８）。",
            set(),
            [],
            ["２０多个", "５０元", "４４小时", "（９５５９８）"],
        ),
    ),
    # --- mobiles mixing Arabic and Chinese numerals ---
    (
        "mixed_numeral_mobile",
        ("有事打138一二三四5678，谢谢。", {"mobile"}, ["一二三四"], ["138****5678"]),
    ),
    (
        "mixed_numeral_mobile_grouped",
        ("家长电话幺38 1234 五六七八，孩子在三年级。", {"mobile"}, ["1234"], ["幺38 **** 五六七八", "三年级"]),
    ),
    (
        "mobile_grouped_freely_after_a_label",
        ("联系电话：1381 234 5678，或手机：139.8765.4321", {"mobile"}, ["1 234", "8765"], ["138* *** 5678", "139.****.4321"]),
    ),
    (
        "mixed_numeral_quantities_stay",
        (
            "仓库里有一三八个纸箱，单价138元，订单号1380000一二三四5678901。",
            set(),
            [],
            ["一三八个", "138元", "1380000一二三四5678901"],
        ),
    ),
    # --- WeChat under its nicknames ---
    ("wechat_vx_label", ("证据视频在vx zhangsan1988里。", {"account"}, ["angsan19"], ["vx zh********88"])),
    ("wechat_v_xin_label", ("v信：lisi_2020，加的时候备注小区。", {"account"}, ["isi_20"], ["v信：li*****20"])),
    ("wechat_capital_v_xin_label", ("有照片，V信号wangwu88。", {"account"}, ["ngwu"], ["V信号wa****88"])),
    ("wechat_wx_hao_label", ("wx号 abc123456 可加。", {"account"}, ["c1234"], ["wx号 ab*****56"])),
    ("wechat_wei_xin_homophone", ("威信：zhaoliu99，随时联系。", {"account"}, ["aoliu"], ["威信：zh*****99"])),
    ("wechat_wei_xin_flower_homophone", ("薇信 qianqi_77 有视频。", {"account"}, ["anqi_"], ["薇信 qi*****77"])),
    ("wechat_with_a_space", ("微 信：sunba2019，白天回复。", {"account"}, ["nba20"], ["微 信：su*****19"])),
    (
        "wechat_nicknames_without_an_id_stay",
        (
            "政府的威信受到影响，tv信号很差，vx和v信都不回。",
            set(),
            [],
            ["政府的威信受到影响", "tv信号很差", "vx和v信都不回"],
        ),
    ),
    ("traffic_metro_line", ("地铁3号线5号出口电梯坏了一个月。", set(), [], ["3号线", "5号出口"])),
    (
        "environment_department_names",
        ("市住建局和A市生态环境局对搅拌站扬尘问题互相推诿。", set(), [], ["市住建局", "A市生态环境局"]),
    ),
    (
        "environment_place_names",
        (
            "长沙县星沙街道金星村的垃圾站臭气熏天，A3区黄兴镇也有类似情况。",
            set(),
            [],
            ["长沙县星沙街道金星村", "A3区黄兴镇"],
        ),
    ),
    (
        "environment_road_names",
        ("金星北路与黄兴中路交叉口积水严重，雨天无法通行。", set(), [], ["金星北路", "黄兴中路"]),
    ),
    (
        "environment_hotline_stays",
        ("打了110和12345都说不归他们管，污水直排已半年。", set(), [], ["110", "12345"]),
    ),
    (
        "official_reply_leader_stays",
        ("网友您好！您在平台向胡华衡书记留言反映的问题已收悉，现答复如下。", set(), [], ["胡华衡书记"]),
    ),
    (
        "official_reply_contact",
        (
            "如有疑问，请联系承办人，办公电话0731-84561234，或发邮件至 reply@changsha.gov.cn。",
            {"landline", "email"},
            ["84561234", "reply@"],
            ["0731-******34", "r***@changsha.gov.cn"],
        ),
    ),
    (
        "official_reply_anonymised_name",
        ("经调查，王某某反映的情况属实，已责令商户整改。", set(), [], ["王某某"]),
    ),
    (
        "medical_insurance_id_and_mobile",
        (
            f"我母亲医保报销被拒，她的身份证{make_id('430121', '19560815', '042')}，我的电话18973101234。",
            {"id_card", "mobile"},
            [mid(make_id("430121", "19560815", "042")), "73101234"],
            ["4301", "189****1234"],
        ),
    ),
    (
        "id_grouped_with_spaces",
        (f"身份证 {ID_A[:6]} {ID_A[6:14]} {ID_A[14:]} 请核实。", {"id_card"}, [ID_A[6:14]], [ID_A[:4]]),
    ),
    ("id_beijing", (f"户籍在北京，身份证号{ID_B}。", {"id_card"}, [mid(ID_B)], [ID_B[:4], ID_B[-4:]])),
    (
        "intro_my_name_is",
        ("我是郭靖宇，在A市打工十年，想咨询公租房申请条件。", {"name"}, ["郭靖宇"], ["郭**", "A市", "十年"]),
    ),
    (
        "intro_contact_person",
        (
            "联系人：黄志明 电话：0731-2233445",
            {"name", "landline"},
            ["黄志明", "2233445"],
            ["黄**", "0731-*****45"],
        ),
    ),
    ("compound_surname", ("欧阳娜娜来信反映小区停车位被占用。", {"name"}, ["娜娜"], ["欧阳**", "停车位"])),
    (
        "two_contacts",
        (
            "请联系13900001111或者13900002222，两个号码都可以。",
            {"mobile"},
            ["13900001111", "13900002222"],
            ["139****1111", "139****2222"],
        ),
    ),
    (
        "mobile_inside_longer_number_stays",
        ("快递单号7713812345678901，一直没送到。", set(), [], ["7713812345678901"]),
    ),
    (
        "qq_email_with_digits",
        ("有问题发我QQ邮箱 123456789@qq.com 就行。", {"email"}, ["23456789"], ["1***@qq.com"]),
    ),
    (
        "counts_and_years",
        (
            "2019年以来，全镇共有1200户、3500人受影响，占比12.5%，损失约300万元。",
            set(),
            [],
            ["2019年", "1200户", "3500人", "12.5%", "300万元"],
        ),
    ),
    ("building_alone_stays", ("小区3栋门口的化粪池满了，5号楼的住户也在反映。", set(), [], ["3栋", "5号楼"])),
    ("bridge_length_stays", ("新建的一座1500米长的大桥什么时候通车？", set(), [], ["一座1500米"])),
]


@pytest.mark.parametrize(
    ("text", "kinds", "secrets", "keeps"), [r for _, r in CORPUS], ids=[name for name, _ in CORPUS]
)
def test_corpus_snippet_is_masked_as_expected(
    text: str, kinds: set[str], secrets: list[str], keeps: list[str]
) -> None:
    result = mask_personal_data(text)
    found = {s.kind for s in result.spans}
    assert kinds <= found, f"missing {kinds - found} in {result.spans}"
    if not kinds:
        assert result.spans == (), result.spans
        assert result.text == text
    for secret in secrets:
        assert secret not in result.text
    for keep in keeps:
        assert keep in result.text, f"{keep!r} lost: {result.text}"


def test_corpus_has_at_least_sixty_snippets() -> None:
    assert len(CORPUS) >= 60
    assert len({name for name, _ in CORPUS}) == len(CORPUS)


# ---------------------------------------------------------------------------------------------
# Single behaviours, one sentence each.
def test_mobile_number_with_dashes_is_masked() -> None:
    assert mask_personal_data("电话138-1234-5678").text == "电话138-****-5678"


def test_mobile_number_keeps_first_three_and_last_four_digits() -> None:
    assert mask_personal_data("13812345678").text == "138****5678"


def test_bus_line_number_stays() -> None:
    text = "坐12路或K101路公交到人民路88号下车"
    assert mask_personal_data(text).text == text


def test_id_card_keeps_first_four_and_last_four() -> None:
    result = mask_personal_data(f"身份证{ID_A}")
    assert result.text == f"身份证{ID_A[:4]}{'*' * 10}{ID_A[-4:]}"
    assert [s.kind for s in result.spans] == ["id_card"]


def test_id_with_bad_checksum_is_not_an_id() -> None:
    assert not any(s.kind == "id_card" for s in find_personal_data(ORDER_BAD_ID))


def test_bank_card_grouped_keeps_grouping() -> None:
    grouped = group4(CARD_16)
    assert mask_personal_data(grouped).text == f"{grouped[:4]} **** **** {grouped[-4:]}"


def test_email_shows_first_letter_and_domain() -> None:
    assert mask_personal_data("a.person@example.com").text == "a***@example.com"


def test_full_name_keeps_surname_only() -> None:
    assert mask_personal_data("本人张三丰").text == "本人张**"


def test_surname_with_title_stays() -> None:
    for text in ("张先生", "请李女士来一趟", "刘老师说", "王某某", "欧阳先生"):
        assert mask_personal_data(text).text == text


def test_words_after_an_intro_marker_are_not_taken_for_a_name() -> None:
    for text in ("本人于去年买房", "本人家住A市", "我是业主，也是党员", "我是高三学生家长"):
        assert mask_personal_data(text).text == text


def test_name_before_a_title_does_not_swallow_the_word_in_front() -> None:
    assert mask_personal_data("班主任刘老师和向张三先生").text == "班主任刘老师和向张*先生"


def test_names_next_to_place_suffixes_stay() -> None:
    text = "高新区管委会和金星村委会、黄兴镇政府"
    assert mask_personal_data(text).text == text


def test_extra_name_from_the_form_is_masked_everywhere() -> None:
    text = "小芳反映，小芳家的水管破了。"
    result = mask_personal_data(text, extra_names=["小芳"])
    assert result.text == "小*反映，小*家的水管破了。"
    assert [s.kind for s in result.spans] == ["name", "name"]


def test_single_character_extra_name_is_ignored() -> None:
    assert mask_personal_data("张家界", extra_names=["张"]).text == "张家界"


def test_private_room_is_masked_but_compound_stays() -> None:
    assert mask_personal_data("幸福小区3栋2单元502室").text == "幸福小区*栋*单元***室"


def test_spans_refer_to_the_original_text() -> None:
    text = "邮箱 someone@example.org 电话 13812345678"
    result = mask_personal_data(text)
    for span in result.spans:
        assert text[span.start : span.end] == span.original


def test_qq_number_keeps_its_first_two_and_last_two_digits() -> None:
    assert mask_personal_data("QQ 123456789").text == "QQ 12*****89"


def test_short_account_keeps_its_first_and_last_character() -> None:
    assert mask_personal_data("QQ：12345").text == "QQ：1***5"
    assert mask_personal_data("微信 abc_de1").text == "微信 a*****1"


def test_phone_number_given_as_wechat_id_is_masked_as_the_account() -> None:
    spans = find_personal_data("微信13812345678")
    assert [(s.kind, s.original) for s in spans] == [("account", "13812345678")]


def test_a_number_without_an_account_label_is_no_account() -> None:
    for text in ("订单123456789已付款", "编号abcdef123", "QQ邮箱已满", "微信群200人"):
        assert not any(s.kind == "account" for s in find_personal_data(text)), text


def test_mobile_in_chinese_numerals_keeps_first_three_and_last_four() -> None:
    assert mask_personal_data("幺三八一二三四五六七八").text == "幺三八****五六七八"


def test_a_chinese_numeral_run_needs_exactly_eleven_characters_to_be_a_mobile() -> None:
    for text in ("幺三八一二三四五六七", "一三八一二三四五六七八九", "一二三四五六七八九零一"):
        assert not any(s.kind == "mobile" for s in find_personal_data(text)), text


def test_plate_keeps_province_letter_and_last_character() -> None:
    assert mask_personal_data("湘A12345").text == "湘A****5"
    assert mask_personal_data("湘A 12345").text == "湘A ****5"


def test_a_plate_needs_three_digits_and_a_real_province() -> None:
    for text in ("京ABCDE1", "楚A12345", "湘A1234", "湘A1234567"):
        assert not any(s.kind == "plate" for s in find_personal_data(text)), text


def test_official_reply_masks_a_plate_but_keeps_the_office_landline() -> None:
    from minsheng.lib.masking import mask_official_reply

    reply = "经查，湘A12345车主已被处罚。如有疑问请致电0731-88886666。"
    assert mask_official_reply(reply).text == "经查，湘A****5车主已被处罚。如有疑问请致电0731-88886666。"


def test_mask_value_knows_the_account_and_plate_kinds() -> None:
    from minsheng.lib.masking import KINDS, mask_value

    assert {"account", "plate"} <= KINDS
    assert mask_value("account", "zhangsan_1988") == "zh*********88"
    assert mask_value("plate", "湘AD12345") == "湘A*****5"
    assert mask_value("mobile", "一三八一二三四五六七八") == "一三八****五六七八"


@pytest.mark.parametrize(
    ("text", "public"),
    [
        ("我的QQ是123456789", "我的QQ是12*****89"),
        ("QQ号：987654321", "QQ号：98*****21"),
        ("加我微信：zhangsan_1988", "加我微信：zh*********88"),
        ("微信号 wx13812345678", "微信号 wx*********78"),
        ("手机幺三八一二三四五六七八", "手机幺三八****五六七八"),
        ("车牌湘A12345被刮", "车牌湘A****5被刮"),
    ],
)
def test_case_text_hides_accounts_numeral_mobiles_and_plates(text: str, public: str) -> None:
    from minsheng.lib.masking import mask_case_text

    assert mask_case_text(text, citizen_name="张三") == public


def test_full_width_text_is_returned_in_its_own_spelling_with_only_the_secret_starred() -> None:
    text = "（ＱＱ：１２３４５６７８９）　谢谢！"
    assert mask_personal_data(text).text == "（ＱＱ：１２*****８９）　谢谢！"


def test_a_full_width_id_card_is_recognised_by_its_check_character() -> None:
    full_width = ID_A.translate({ord(d): ord(d) + 0xFEE0 for d in "0123456789"})
    result = mask_personal_data(f"身份证{full_width}")
    assert [s.kind for s in result.spans] == ["id_card"]
    assert result.text == f"身份证{full_width[:4]}{'*' * 10}{full_width[-4:]}"


def test_a_full_width_email_keeps_its_full_width_at_sign_and_domain() -> None:
    assert mask_personal_data("ｗａｎｇ＠ｅｘａｍｐｌｅ．ｃｏｍ").text == "ｗ***＠ｅｘａｍｐｌｅ．ｃｏｍ"


@pytest.mark.parametrize(
    ("text", "public"),
    [
        ("138一二三四5678", "138****5678"),
        ("幺38 1234 五六七八", "幺38 **** 五六七八"),
        ("一三八1234五六七八", "一三八****五六七八"),
        ("幺3八-一二34-5六7八", "幺3八-****-5六7八"),
    ],
)
def test_a_mobile_mixing_arabic_and_chinese_numerals_keeps_its_first_three_and_last_four(
    text: str, public: str
) -> None:
    assert mask_personal_data(text).text == public


@pytest.mark.parametrize(
    "text",
    ["一三八个", "我买了138个一三八", "138一二三四567", "138一二三四56789", "2138一二三四5678", "128一二三四5678", "一百三十八元"],
)
def test_numeral_runs_that_are_not_eleven_with_a_mobile_start_stay(text: str) -> None:
    assert not any(s.kind == "mobile" for s in find_personal_data(text)), text


def test_after_a_phone_label_a_mobile_may_be_grouped_any_way() -> None:
    assert mask_personal_data("电话：1381 234 5678").text == "电话：138* *** 5678"
    assert mask_personal_data("手机 138.1234.5678").text == "手机 138.****.5678"
    assert mask_personal_data("联系方式：138 一二三 四五 六七八").text == "联系方式：138 *** *五 六七八"


def test_without_a_label_a_dotted_or_oddly_grouped_number_is_not_taken_for_a_mobile() -> None:
    for text in ("版本1381.234.5678", "1381 234 5678"):
        assert not any(s.kind == "mobile" for s in find_personal_data(text)), text


@pytest.mark.parametrize("label", ["vx", "VX", "v信", "V信", "wx号", "威信", "薇信", "微 信", "微信"])
def test_a_wechat_id_after_any_of_its_labels_is_masked(label: str) -> None:
    spans = find_personal_data(f"{label}：zhangsan_1988")
    assert [(s.kind, s.original) for s in spans] == [("account", "zhangsan_1988")]


def test_a_wechat_id_without_a_label_is_not_an_account() -> None:
    for text in ("zhangsan_1988", "信zhangsan_1988", "tv信zhangsan_1988", "微博zhangsan_1988"):
        assert not any(s.kind == "account" for s in find_personal_data(text)), text


def test_empty_text_has_no_spans() -> None:
    assert mask_personal_data("") == MaskResult(text="", spans=())


# ---------------------------------------------------------------------------------------------
# The citizen's own phone and e-mail, known to the case, in whatever spelling they appear.
PHONE = "13812345678"
EMAIL = "Wang.Li@example.com"


def public_message(text: str, **citizen: str) -> str:
    from minsheng.lib.masking import mask_case_text

    return mask_case_text(text, citizen_phone=citizen.get("phone", PHONE), citizen_email=citizen.get("email", EMAIL))


def public_reply(text: str, **citizen: str) -> str:
    from minsheng.lib.masking import mask_case_text

    return mask_case_text(
        text, reply=True, citizen_phone=citizen.get("phone", PHONE), citizen_email=citizen.get("email", EMAIL)
    )


@pytest.mark.parametrize(
    ("spelling", "public"),
    [
        ("138 1234 5678", "138 **** 5678"),
        ("138-1234-5678", "138-****-5678"),
        ("138.1234.5678", "138.****.5678"),
        ("1381 2345 678", "138* ***5 678"),
        ("１３８１２３４５６７８", "１３８****５６７８"),
        ("１３８－１２３４－５６７８", "１３８－****－５６７８"),
        ("+86 138 1234 5678", "+86 138 **** 5678"),
        ("+86-13812345678", "+86-138****5678"),
        ("0086 13812345678", "0086 138****5678"),
        ("8613812345678", "86138****5678"),
        ("幺三八一二三四五六七八", "幺三八****五六七八"),
    ],
)
def test_the_citizens_own_phone_is_hidden_in_their_message_and_in_the_reply_in_any_spelling(
    spelling: str, public: str
) -> None:
    text = f"本人手机号{spelling}，请回电。"
    assert public_message(text) == f"本人手机号{public}，请回电。"
    assert public_reply(text) == f"本人手机号{public}，请回电。"


def test_the_citizens_own_phone_without_a_label_or_usual_grouping_is_hidden_because_the_case_knows_it() -> None:
    # Without the citizen's number this grouping is no mobile (see above); with it, it is theirs.
    assert public_message("有事找我 1 3 8 1 2 3 4 5 6 7 8 随时") == "有事找我 1 3 8 * * * * 5 6 7 8 随时"
    assert public_message("有事找我 1 3 8 1 2 3 4 5 6 7 8 随时", phone="") == "有事找我 1 3 8 1 2 3 4 5 6 7 8 随时"


@pytest.mark.parametrize(
    "spelling", ["WANG.LI@EXAMPLE.COM", "wang.li@example.com", "wang.li＠example.com", "ｗａｎｇ．ｌｉ＠ｅｘａｍｐｌｅ．ｃｏｍ",
                 "wang.li@example。com", "Wang.Li @ example.com"]
)
def test_the_citizens_own_email_is_hidden_in_upper_case_full_width_or_with_a_chinese_full_stop(spelling: str) -> None:
    for public in (public_message(f"邮箱：{spelling}。"), public_reply(f"已发送至您的邮箱{spelling}。")):
        assert "ang" not in public.lower() and "ａｎｇ" not in public, public
        assert "***" in public


def test_the_citizens_landline_is_hidden_in_a_reply_with_or_without_its_area_code() -> None:
    reply = "已按您留的电话0731-88886666、(0731)8888.6666及88886666联系您。"
    assert public_reply(reply, phone="0731-88886666") == (
        "已按您留的电话0731-******66、(0731)****.**66及******66联系您。"
    )


def test_the_departments_landline_and_mailbox_in_a_reply_stay_when_they_are_not_the_citizens() -> None:
    reply = "如有疑问请致电0731-84561234或发邮件至zjj@a-city.gov.cn，也可拨打12345。"
    assert public_reply(reply) == reply


def test_numbers_that_merely_contain_the_citizens_phone_stay() -> None:
    text = f"订单号2{PHONE}0，快递单{PHONE}99，热线12345，金额138元。"
    assert public_message(text, phone=PHONE) == text


def test_an_address_that_merely_contains_the_citizens_email_stays() -> None:
    text = "单位邮箱是xwang.li@example.com和wang.li@example.com.cn。"
    assert public_reply(text) == text


def test_private_values_are_hidden_the_same_in_a_message_and_in_a_reply() -> None:
    text = "联系我：138 1234 5678 或 WANG.LI@EXAMPLE.COM"
    assert public_message(text) == public_reply(text) == "联系我：138 **** 5678 或 W***@EXAMPLE.COM"


def test_a_phone_too_short_to_tell_from_other_numbers_is_not_matched_as_private() -> None:
    assert public_message("共12345人，编号12345", phone="12345") == "共12345人，编号12345"


# ---------------------------------------------------------------------------------------------
# Staff corrections.
def test_apply_spans_reapplies_a_staff_corrected_span_list() -> None:
    text = "阿强反映：金色家园18栋3单元电梯坏了，电话13812345678。"
    found = find_personal_data(text)
    assert {s.kind for s in found} == {"address", "mobile"}
    # Staff decide the building/unit is not identifying here and add the missed nickname.
    corrected = [s for s in found if s.kind != "address"]
    corrected.append(MaskSpan(0, 2, "name", "阿强"))
    masked = apply_spans(text, corrected)
    assert masked == "阿*反映：金色家园18栋3单元电梯坏了，电话138****5678。"


def test_apply_spans_rejects_a_span_made_for_another_text() -> None:
    with pytest.raises(ValueError, match="does not match"):
        apply_spans("李四来信", [MaskSpan(0, 2, "name", "张三")])


def test_apply_spans_rejects_overlapping_spans() -> None:
    spans = [MaskSpan(0, 3, "name", "张三丰"), MaskSpan(1, 3, "name", "三丰")]
    with pytest.raises(ValueError, match="overlaps"):
        apply_spans("张三丰", spans)


def test_apply_spans_rejects_unknown_kinds() -> None:
    with pytest.raises(ValueError, match="unknown"):
        apply_spans("张三丰", [MaskSpan(0, 3, "nickname", "张三丰")])


# ---------------------------------------------------------------------------------------------
# Import hygiene.
def test_module_imports_without_django_and_without_loading_jieba() -> None:
    code = (
        "import sys; import minsheng.lib.masking; "
        "assert 'jieba' not in sys.modules; assert 'django.conf' not in sys.modules"
    )
    subprocess.run([sys.executable, "-c", code], cwd=REPO_ROOT, check=True)


def test_jieba_does_not_print_its_dictionary_log() -> None:
    code = "from minsheng.lib.masking import mask_personal_data as m; print(m('我叫王小红').text)"
    proc = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO_ROOT, check=True, capture_output=True, text=True
    )
    assert proc.stdout.strip() == "我叫王**"
    assert "prefix dict" not in proc.stderr
    assert "Loading model" not in proc.stderr


# ---------------------------------------------------------------------------------------------
# Properties.
_STRUCTURED = {"mobile", "id_card", "email", "bank_card", "account", "plate"}

_pieces = st.one_of(
    st.sampled_from(
        [
            "13812345678",
            "139-8765-4321",
            "150 1111 2222",
            "+86 186 0000 1234",
            ID_A,
            ID_X,
            ID_OLD15,
            CARD_16,
            group4(CARD_16),
            CARD_19,
            CARD_VISA,
            ORDER_BAD_ID,
            ORDER_NUMBER,
            "a.b@example.com",
            "x@qq.com",
            "0731-88886666",
            "电话：88886666",
            "3栋2单元502室",
            "QQ号：987654321",
            "QQ",
            "微信：zhangsan_1988",
            "微信号 wx13812345678",
            "wx",
            "幺三八一二三四五六七八",
            "一三九 八七六五 四三二一",
            "一",
            "湘A12345",
            "粤B·A1234",
            "湘AD12345",
            "冀F3512挂",
            "湘A",
            "我叫王小红",
            "张三先生",
            "12路",
            "2019-03-05",
            "3000元",
            "，",
            "。",
            " ",
            "-",
            "*",
            "@",
            "号",
            "室",
            "ＱＱ１２３４５６７８９",
            "ＱＱ：９８７６５４３２１",
            "微信：ｚｈａｎｇｓａｎ＿１９８８",
            "１３８１２３４５６７８",
            "ｗａｎｇ＠ｅｘａｍｐｌｅ．ｃｏｍ",
            "138一二三四5678",
            "幺38 1234 五六七八",
            "电话：1381 234 5678",
            "手机",
            "v信：lisi_2020",
            "微 信 ",
            "vx",
            "138.1234.5678",
            "１",
            "＊",
            "　",
            "．",
        ]
    ),
    st.text(alphabet="0123456789 -*", max_size=24),
    st.text(alphabet="的小区噪音工资学校反映电话邮箱身份证号", max_size=8),
)
_texts = st.lists(_pieces, max_size=12).map("".join)
_CITIZEN_PHONES = st.sampled_from(["13812345678", "+86 139 8765 4321", "0731-88886666", "1234"])
_CITIZEN_EMAILS = st.sampled_from(["wang@example.com", "A.B@EXAMPLE.COM", ""])

_PROPERTY_SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@_PROPERTY_SETTINGS
@given(_texts)
def test_masking_the_masked_text_finds_no_new_structured_data(text: str) -> None:
    once = mask_personal_data(text).text
    again = find_personal_data(once)
    assert [s for s in again if s.kind in _STRUCTURED] == []


@_PROPERTY_SETTINGS
@given(_texts, _CITIZEN_PHONES, _CITIZEN_EMAILS, st.booleans())
def test_a_case_text_masked_with_the_citizens_details_finds_no_new_structured_data_and_keeps_its_length(
    text: str, phone: str, email: str, reply: bool
) -> None:
    from minsheng.lib.masking import mask_case_text, mask_official_reply

    once = mask_case_text(text, reply, citizen_phone=phone, citizen_email=email)
    # Names are left out: jieba may tag a name next to a star that it did not tag next to a digit.
    mask = mask_official_reply if reply else mask_personal_data
    again = mask(once, private_values=[phone, email]).spans
    assert [s for s in again if s.kind in _STRUCTURED] == []
    if "@" not in text and "＠" not in text:  # only an e-mail's local part changes length
        assert len(once) == len(text)


@_PROPERTY_SETTINGS
@given(_texts)
def test_spans_are_sorted_non_overlapping_and_match_the_original(text: str) -> None:
    spans = find_personal_data(text)
    for a, b in itertools.pairwise(spans):
        assert a.end <= b.start
    for s in spans:
        assert 0 <= s.start < s.end <= len(text)
        assert text[s.start : s.end] == s.original


_PLAIN_CHARS = "".join(
    ch
    for ch in "的一是不了在人有我他这中大来上国个到说们为子和你地出道也时年得就那要下以生会自着去之过家学"
    "对可她里后小么心多天而能好都然没日于起还发成事只作当想看文无开手十用主行方又如前所本见经头面公同三"
    "已老从动两长知民样现分将外但身些与高意进把法此实回二理美点月明其种声全工己话儿者向情部正名定女问力"
    "机给等几很业最间新什打便位因重被走电四第门相次东政海口使教西再平真听世气信北少关并内加化由却代军产"
    "入先山五太水万市眼体别处总才场师书比住员九笑性通目华报立马命张活难神数件安表原车白应路期叫死常提感"
    "金何更反合放做系计或司利受光王果亲界及今京务制解各任至清物台象记边共风战干接它许八特觉望直服毛林题"
    "建南度统色字请交爱让认算论百吃义科怎元社术结六功指思非流每青管夫连远资队跟带花快条院变联言权往展该"
    "，。！？、 "
    if ch not in SURNAMES and ch not in "零〇一二三四五六七八九十百"
)


@_PROPERTY_SETTINGS
@given(st.text(alphabet=_PLAIN_CHARS, max_size=60))
def test_text_without_digits_at_signs_or_names_is_unchanged(text: str) -> None:
    result = mask_personal_data(text)
    assert result.text == text
    assert result.spans == ()


def test_official_reply_keeps_the_departments_landline_and_mailbox():
    from minsheng.lib.masking import mask_official_reply

    reply = "王建国您好：经核查已责令整改。如有疑问请致电0731-88886666或发邮件至zjj@a-city.gov.cn。"
    result = mask_official_reply(reply, extra_names=["王建国"])
    assert "0731-88886666" in result.text and "zjj@a-city.gov.cn" in result.text
    assert "王建国" not in result.text


def test_official_reply_still_masks_the_citizens_own_email_and_mobile():
    from minsheng.lib.masking import mask_official_reply

    reply = "已通过13812345678及wang@example.com联系您。"
    result = mask_official_reply(reply, private_values=["wang@example.com"])
    assert "13812345678" not in result.text and "wang@example.com" not in result.text
