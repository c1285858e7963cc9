"""Content of the demo city A市 used by `manage.py seed_demo`.

Everything here is invented for the demo: the city, its districts, the leaders' names, the compounds
and roads, the citizens and their phone numbers, and the messages and replies. Laws and policies cited
in replies are real national titles (or clearly local "A市" ones) so that the replies read like the
real thing. Templates use ``str.format`` slots filled per case by the seeder (see `SLOT_VALUES` and
`personal_slots`), which is how about 40 themes give a few hundred distinct-looking cases.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

DEMO_PASSWORD = "minsheng-demo-2026"  # noqa: S105 - printed on purpose: it is a local demo
CITY_CODE = "a-city"
CITY_NAME = "A市人民政府"

# (site code, site name, short name used in messages)
DISTRICTS: tuple[tuple[str, str, str], ...] = (
    ("a1", "A1区人民政府", "A1区"),
    ("a2", "A2区人民政府", "A2区"),
    ("a3", "A3区人民政府", "A3区"),
    ("a4", "A4区人民政府", "A4区"),
    ("a5", "A5区人民政府", "A5区"),
)


@dataclass(frozen=True)
class DepartmentSpec:
    key: str  # short code, also used in the demo usernames (handler_<key>)
    name: str
    short_name: str
    hotline: str  # a service number: replies cite it, and masking leaves short numbers alone


CITY_DEPARTMENTS: tuple[DepartmentSpec, ...] = (
    DepartmentSpec("bgs", "A市人民政府办公室", "市政府办", "12345"),
    DepartmentSpec("zj", "A市住房和城乡建设局", "市住建局", "12319"),
    DepartmentSpec("hb", "A市生态环境局", "市生态环境局", "12369"),
    DepartmentSpec("jy", "A市教育局", "市教育局", "12345"),
    DepartmentSpec("rs", "A市人力资源和社会保障局", "市人社局", "12333"),
    DepartmentSpec("wj", "A市卫生健康委员会", "市卫健委", "12320"),
    DepartmentSpec("jt", "A市交通运输局", "市交通运输局", "12328"),
    DepartmentSpec("cg", "A市城市管理局", "市城管局", "12319"),
    DepartmentSpec("sj", "A市市场监督管理局", "市市场监管局", "12315"),
    DepartmentSpec("ga", "A市公安局", "市公安局", "110"),
    DepartmentSpec("zr", "A市自然资源和规划局", "市自然资源和规划局", "12336"),
    DepartmentSpec("wl", "A市文化旅游广电局", "市文旅广电局", "12345"),
    DepartmentSpec("sw", "A市水务局", "市水务局", "12345"),
    DepartmentSpec("yb", "A市医疗保障局", "市医保局", "12393"),
)

# District units, by the suffix of their key (a1cg = A1区城市管理局). Every district has an office
# (for the district head's mailbox), urban management and housing; only the two central districts
# run their own education bureau in the demo, so school cases elsewhere go to the city bureau.
DISTRICT_UNITS: tuple[tuple[str, str, str, str], ...] = (
    ("bgs", "人民政府办公室", "政府办", "12345"),
    ("cg", "城市管理局", "城管局", "12319"),
    ("zj", "住房和城乡建设局", "住建局", "12319"),
    ("jy", "教育局", "教育局", "12345"),
)
DISTRICTS_WITH_EDUCATION = frozenset({"a1", "a2"})


def district_departments(code: str, short: str) -> list[DepartmentSpec]:
    return [
        DepartmentSpec(f"{code}{suffix}", f"{short}{name}", f"{short}{short_name}", hotline)
        for suffix, name, short_name, hotline in DISTRICT_UNITS
        if suffix != "jy" or code in DISTRICTS_WITH_EDUCATION
    ]


# (title, name); the city's leaders write back through the city government office.
CITY_LEADERS: tuple[tuple[str, str], ...] = (
    ("市长", "林国栋"),
    ("常务副市长", "陈志远"),
    ("副市长", "王慧敏"),
    ("副市长", "赵立新"),
)
DISTRICT_HEADS: dict[str, str] = {"a1": "刘文涛", "a2": "黄晓峰", "a3": "杨春梅", "a4": "郭振宇", "a5": "何永平"}


@dataclass(frozen=True)
class ChannelSpec:
    kind: str
    name: str
    reply_working_days: int
    description: str


CHANNELS: tuple[ChannelSpec, ...] = (
    ChannelSpec("mailbox", "领导信箱", 7, "给市（区）长、副市（区）长写信，反映重要问题、提出意见建议。信件由政府办公室统一受理、交办。"),
    ChannelSpec("complaint", "投诉", 7, "对行政机关、公共服务单位及其工作人员的投诉，对侵害自身合法权益行为的投诉。"),
    ChannelSpec("inquiry", "咨询", 5, "咨询政策法规、办事条件和办理流程，一般5个工作日内答复。"),
    ChannelSpec("suggestion", "建议", 15, "对城市建设、管理和公共服务提出意见建议，相关部门研究后答复。"),
    ChannelSpec("help", "求助", 7, "生活中遇到困难、需要政府部门帮助协调解决的事项。"),
)

# The demo taxonomy: level 1 → level 2 → level 3 names, written for the demo.
CATEGORIES: dict[str, dict[str, tuple[str, ...]]] = {
    "城乡建设": {
        "住房保障": ("公租房", "老旧小区改造"),
        "物业管理": ("物业服务", "维修资金"),
        "市政设施": ("道路维修", "路灯照明", "井盖设施", "城市供水"),
        "房地产开发": ("逾期交房", "不动产登记"),
    },
    "环境保护": {
        "噪声污染": ("建筑施工噪声", "社会生活噪声"),
        "大气污染": ("扬尘污染", "餐饮油烟"),
        "水污染": ("河道污染",),
        "垃圾分类": ("生活垃圾清运",),
    },
    "教育文体": {
        "义务教育": ("入学学位", "课后服务"),
        "学前教育": ("幼儿园收费",),
        "文体设施": ("公园健身设施",),
    },
    "劳动和社会保障": {
        "劳动关系": ("拖欠工资", "劳动合同"),
        "养老保险": ("转移接续", "待遇领取"),
        "医疗保险": ("异地就医", "门诊报销"),
    },
    "卫生健康": {
        "医疗服务": ("看病就医",),
        "公共卫生": ("预防接种",),
    },
    "交通运输": {
        "公交出行": ("线路调整", "班次间隔"),
        "出租车": ("拒载绕路",),
        "道路交通": ("违章停车", "交通信号"),
    },
    "商贸旅游": {
        "市场监管": ("食品安全", "预付卡消费"),
        "旅游服务": ("景区管理",),
    },
    "公共安全": {
        "消防安全": ("消防通道",),
        "治安管理": ("治安秩序",),
    },
}


@dataclass(frozen=True)
class Theme:
    key: str
    category: tuple[str, str, str]  # level 1, 2, 3 names from CATEGORIES
    channels: tuple[str, ...]  # channel kinds the theme is written for
    department: str  # key of the city department that answers
    district_unit: str | None  # suffix of the district unit that answers locally, if any
    basis: str  # the law or policy the reply rests on
    titles: tuple[str, ...]
    bodies: tuple[str, ...]
    reply: str
    assisting: str | None = None  # a city department that helps (协办)


THEMES: tuple[Theme, ...] = (
    Theme(
        "mixing_plant_noise", ("环境保护", "噪声污染", "建筑施工噪声"), ("complaint", "mailbox"), "hb", "cg",
        "《中华人民共和国噪声污染防治法》",
        ("{compound}旁{plant}夜间生产噪音扰民", "{district}{road}搅拌站深夜作业，居民无法休息"),
        (
            "{district}{compound}小区围墙外的{plant}最近一个多月每天夜里都在生产，搅拌机和罐车的声音一直持续到凌晨两三点，"
            "小区里老人孩子根本睡不着。之前打过电话，白天停了两天晚上又照样干。请相关部门管一管。",
            "我是{compound}的业主，小区北侧{road}边上的{plant}夜里灯火通明，罐车进进出出，还经常鸣笛。"
            "想问一下这个搅拌站有没有夜间施工许可？希望尽快处理。",
        ),
        "网友您好：您反映的{district}{compound}旁{plant}夜间生产噪声扰民问题收悉。{visit_date}晚，我局会同区城管执法人员"
        "到现场夜查，该站确有22时后生产作业、未办理夜间施工许可的情况。依据{basis}第四十三条、第七十七条，已责令其立即"
        "停止夜间生产并立案处罚，同时要求其在搅拌楼加装隔声棚、罐车进出禁止鸣笛。我局已将该站纳入夜间重点巡查名单。"
        "如再发现夜间违规生产，请拨打{hotline}反映。{department}",
        assisting="cg",
    ),
    Theme(
        "site_night_work", ("环境保护", "噪声污染", "建筑施工噪声"), ("complaint",), "zj", "cg",
        "《中华人民共和国噪声污染防治法》及《A市建设工程文明施工管理办法》",
        ("{road}在建工地夜间打桩", "{compound}对面工地天天半夜施工"),
        (
            "{district}{road}与{road2}交叉口的在建项目，这半个月晚上11点以后还在打桩、浇筑，噪音震得窗户都响。"
            "家里孩子马上中考，实在受不了，请问这种情况合法吗？",
            "{compound}对面工地每天晚上施工到凌晨，渣土车来回跑，灰尘也大。打了几次电话没有人管，请领导重视。",
        ),
        "网友您好：经查，您反映的工地为{developer}开发项目，施工单位于{visit_date}前后夜间进行混凝土浇筑，仅部分时段办理了"
        "夜间施工证明。我局已约谈建设、施工单位，依据{basis}责令严格按照许可时段施工，超出时段一律停工，并扣减其文明"
        "施工考评分。下一步将安排夜间巡查。如有问题请拨打{hotline}。{department}",
    ),
    Theme(
        "restaurant_fumes", ("环境保护", "大气污染", "餐饮油烟"), ("complaint",), "hb", "cg",
        "《中华人民共和国大气污染防治法》第八十一条",
        ("{road}{shop}油烟直排扰民", "楼下{shop}油烟熏得没法开窗"),
        (
            "{district}{road}的{shop}开在居民楼底层，油烟管道直接对着后面住户排放，夏天根本不敢开窗，晾的衣服都是油烟味。"
            "请环保部门查一查有没有安装油烟净化器。",
            "我住{compound}，楼下新开了一家{shop}，排烟口就在我家窗户下面，每天从上午十点熏到晚上十二点。",
        ),
        "网友您好：收到您的留言后，区城管执法人员于{visit_date}到{shop}现场检查，该店未安装油烟净化设施、排烟口朝向"
        "居民住宅。依据{basis}，已责令其限期安装油烟净化装置并将排烟管道改至楼顶高空排放，逾期未整改将依法处罚。"
        "整改完成后我们将组织复查。如有疑问请拨打{hotline}。{department}",
    ),
    Theme(
        "site_dust", ("环境保护", "大气污染", "扬尘污染"), ("complaint", "suggestion"), "hb", "cg",
        "《中华人民共和国大气污染防治法》及《A市扬尘污染防治条例》",
        ("{road}工地扬尘严重", "渣土车撒漏，{road}一路都是泥"),
        (
            "{district}{road}旁边的工地裸土没有覆盖，一刮风整条路都是灰，路过的行人都要捂鼻子，工地门口也没有冲洗设施。",
            "每天早上{road}上渣土车一辆接一辆，车斗不盖，泥土撒了一路，下雨天满路泥浆，骑电动车很危险。",
        ),
        "网友您好：经{visit_date}现场核查，该工地存在部分裸土未覆盖、出入口车辆冲洗不到位的问题。依据{basis}，"
        "已责令施工单位对裸土全部覆盖、增设雾炮和冲洗平台，并对运输企业撒漏行为立案查处。我们将每日巡查直至整改到位。"
        "如有问题请拨打{hotline}。{department}",
    ),
    Theme(
        "river_pollution", ("环境保护", "水污染", "河道污染"), ("complaint", "mailbox"), "hb", None,
        "《中华人民共和国水污染防治法》",
        ("{river}发黑发臭，疑似有企业偷排", "{district}{river}水质变差"),
        (
            "{district}{river}靠近{road}一段，最近水面发黑、漂着白沫，晚上还有刺鼻的气味，怀疑上游有厂子晚上偷偷排污水。",
            "以前{river}还能看到鱼，这两个月水越来越臭，河边散步的人都少了。希望环保部门查一查排污口。",
        ),
        "网友您好：接件后，我局执法和监测人员于{visit_date}对{river}沿线排口开展排查并采样监测，发现一处雨污混接排口。"
        "依据{basis}，已责令相关单位封堵混接管道，并会同水务部门对该段河道实施清淤。后续将每周监测水质并公开结果。"
        "如有线索请拨打{hotline}。{department}",
        assisting="sw",
    ),
    Theme(
        "garbage_sorting", ("环境保护", "垃圾分类", "生活垃圾清运"), ("complaint", "suggestion"), "cg", "cg",
        "《A市生活垃圾分类管理办法》",
        ("{compound}垃圾分类桶满了没人清运", "建议{compound}增设厨余垃圾投放点"),
        (
            "{district}{compound}小区的分类垃圾桶经常两三天不清运，厨余垃圾堆在外面，天热发臭招苍蝇。物业说是环卫没来收。",
            "我们{compound}小区只有一个垃圾分类投放点，离后面几栋楼太远，很多人图方便乱扔。建议增设投放点并延长开放时间。",
        ),
        "网友您好：经核实，{compound}小区生活垃圾由片区环卫作业单位负责清运，近期因车辆检修导致清运不及时。依据{basis}，"
        "我们已督促作业单位恢复每日清运，并协调物业在小区东侧增设一处分类投放点、配备督导员。如有问题请拨打{hotline}。"
        "{department}",
    ),
    Theme(
        "owed_wages", ("劳动和社会保障", "劳动关系", "拖欠工资"), ("complaint", "help", "mailbox"), "rs", None,
        "《保障农民工工资支付条例》",
        ("{company}拖欠{months}个月工资", "农民工讨薪无门，求政府帮助"),
        (
            "我们是在{company}干活的工人，一共二十多人，从去年开始被拖欠了{months}个月工资，每人{amount}元左右。"
            "老板一直说下个月发，现在电话都打不通了。快过年了，家里等着用钱，求政府帮帮我们。",
            "本人在{district}{road}一个工地做木工，包工头是{company}的，工程早就完工了，工资{amount}元到现在没结。"
            "去项目部找过好几次，都说要等甲方付款。",
        ),
        "网友您好：接到您的诉求后，我局劳动保障监察支队于{visit_date}约谈了{company}负责人和项目总包单位。经查，"
        "该公司确实存在拖欠工资的情况。依据{basis}，已责令总包单位先行清偿，目前已将首批工资支付到工人个人账户，"
        "剩余部分承诺在十五日内付清，我局将跟踪督办。如仍未收到，请携带身份证和考勤记录到市劳动保障监察支队或拨打{hotline}。"
        "{department}",
    ),
    Theme(
        "labour_contract", ("劳动和社会保障", "劳动关系", "劳动合同"), ("complaint", "inquiry"), "rs", None,
        "《中华人民共和国劳动合同法》",
        ("入职半年公司不签劳动合同", "公司不给员工缴社保怎么办"),
        (
            "我在{company}上班已经半年，公司一直不签劳动合同，也没有缴社保，问了人事说试用期过了再说。请问这种情况怎么维权？",
            "{company}以经营困难为由，要求员工签自愿放弃社保的承诺书，不签就辞退。请问这样合法吗？",
        ),
        "网友您好：根据{basis}第十条、第八十二条，用人单位自用工之日起超过一个月不满一年未与劳动者订立书面劳动合同的，"
        "应当向劳动者每月支付二倍工资；依法缴纳社会保险是用人单位的法定义务，员工签署的放弃承诺无效。我局已于{visit_date}"
        "将您反映的情况转劳动保障监察机构核查。您也可以向劳动人事争议仲裁委员会申请仲裁。咨询电话{hotline}。{department}",
    ),
    Theme(
        "pension_transfer", ("劳动和社会保障", "养老保险", "转移接续"), ("inquiry",), "rs", None,
        "《城镇企业职工基本养老保险关系转移接续暂行办法》",
        ("外省养老保险怎么转回A市", "养老保险转移接续要多久"),
        (
            "我之前在广东工作了八年，缴了养老保险，现在回A市工作。请问养老保险关系怎么转过来？需要本人回广东办理吗？",
            "我在网上申请了养老保险转移，已经两个月了还显示审核中，请问正常要多长时间？",
        ),
        "网友您好：根据{basis}，参保人员跨省流动就业的，可在新参保地社保经办机构或通过国家社会保险公共服务平台、"
        "“掌上12333”APP直接申请转移，无需回原参保地办理。转入地受理后15个工作日内向转出地发联系函，转出地15个工作日内"
        "办理转出手续，全流程一般在45个工作日内完成。如超期，请携带身份证到市社保服务大厅咨询，或拨打{hotline}。{department}",
    ),
    Theme(
        "flexible_pension", ("劳动和社会保障", "养老保险", "待遇领取"), ("inquiry",), "rs", None,
        "《中华人民共和国社会保险法》",
        ("灵活就业人员缴养老保险的问题", "办理退休需要准备哪些材料"),
        (
            "我今年{years}岁，以前在企业缴过几年社保，后来下岗了。现在想以灵活就业身份续缴，请问在哪里办理，缴费标准是多少？",
            "我明年到退休年龄，请问办理退休要提前准备哪些材料？可以在网上办理吗？",
        ),
        "网友您好：根据{basis}，无雇工的个体工商户、未在用人单位参保的非全日制从业人员以及其他灵活就业人员可以参加"
        "基本养老保险，由个人缴纳。您可通过A市人社APP或到户籍所在地社区服务中心办理参保登记，缴费基数在全省上年度社平工资"
        "60%至300%之间自选。退休可在到龄前三个月通过网上办事大厅申请。咨询电话{hotline}。{department}",
    ),
    Theme(
        "medical_insurance_remote", ("劳动和社会保障", "医疗保险", "异地就医"), ("inquiry", "help"), "yb", None,
        "《关于进一步做好基本医疗保险跨省异地就医直接结算工作的通知》",
        ("在外地住院医保怎么报销", "异地就医备案怎么办理"),
        (
            "我父亲在上海住院做手术，参保地是A市，请问怎么办理异地就医备案？已经住院了还能直接结算吗？",
            "我长期在外省带孙子，请问A市医保能不能在外地看门诊直接刷卡？需要办什么手续？",
        ),
        "网友您好：根据{basis}，参保人员可通过国家医保服务平台APP、“A市医保”公众号或医保经办窗口办理跨省异地就医备案，"
        "备案后在就医地定点医疗机构可直接结算；已入院尚未出院的，可在出院结算前补办备案。长期异地居住人员备案后，"
        "门诊费用也可按规定直接结算。咨询电话{hotline}。{department}",
    ),
    Theme(
        "outpatient_reimbursement", ("劳动和社会保障", "医疗保险", "门诊报销"), ("inquiry", "complaint"), "yb", None,
        "《A市职工基本医疗保险门诊共济保障实施办法》",
        ("门诊慢特病报销比例是多少", "门诊统筹报销太麻烦"),
        (
            "我母亲患高血压、糖尿病多年，请问门诊慢特病怎么申请？每年报销的比例和限额是多少？",
            "在{hospital}看门诊，医保卡里的钱用完了，窗口说门诊统筹要另外申请，跑了三趟都没办好。",
        ),
        "网友您好：根据{basis}，高血压、糖尿病等门诊慢特病可由定点医疗机构直接受理认定，认定后在定点机构就医的费用按规定"
        "比例报销；职工门诊统筹在定点医疗机构即时结算，无需个人另行申请。经{visit_date}核实，{hospital}窗口工作人员"
        "解释不到位，我局已责成该院加强培训。咨询电话{hotline}。{department}",
    ),
    Theme(
        "school_places", ("教育文体", "义务教育", "入学学位"), ("inquiry", "mailbox", "complaint"), "jy", "jy",
        "《中华人民共和国义务教育法》及《A市义务教育招生入学工作实施方案》",
        ("{compound}的孩子划到哪所小学", "新小区学位不足，孩子上学难"),
        (
            "我们是{district}{compound}的业主，买房时说是{school}学区，今年招生划片公布后小区被划到了三公里外的学校，"
            "孩子上学要过两条大马路。希望教育局重新考虑划片。",
            "{compound}小区入住三千多户，周边只有{school}一所小学，今年一年级学位已经报满。请问还没入学的孩子怎么办？",
        ),
        "网友您好：根据{basis}，义务教育学校招生实行免试就近入学，学区划分以学校容量、适龄儿童分布和道路安全等因素综合"
        "确定，并非按开发商宣传确定。经{visit_date}核查，{compound}片区今年适龄儿童增长较快，我局已协调{school}新增两个"
        "一年级班级，确保符合条件的儿童全部入学；片区新建小学预计明年秋季投入使用。咨询电话{hotline}。{department}",
    ),
    Theme(
        "kindergarten_fees", ("教育文体", "学前教育", "幼儿园收费"), ("complaint", "inquiry"), "jy", "jy",
        "《幼儿园收费管理办法》",
        ("{kindergarten}乱收费", "普惠性幼儿园收费标准是多少"),
        (
            "{district}{kindergarten}除了保教费，还收兴趣班费、资料费、空调费，一学期下来要多交两千多元，而且是强制的。",
            "请问A市普惠性民办幼儿园保教费的收费标准是多少？{kindergarten}说明年要涨价，是否合规？",
        ),
        "网友您好：根据{basis}，幼儿园除保教费、住宿费及代收费外，不得再向幼儿家长收取其他费用，不得以兴趣班等名义另行收费。"
        "经{visit_date}调查，{kindergarten}存在另收兴趣班费的问题，我局已责令其全额退还，并在年检中予以扣分。普惠性幼儿园"
        "收费标准以发展改革部门核定的为准，调整须经审批并公示。咨询电话{hotline}。{department}",
    ),
    Theme(
        "after_school", ("教育文体", "义务教育", "课后服务"), ("suggestion", "inquiry"), "jy", None,
        "《关于进一步做好中小学生课后服务工作的指导意见》",
        ("建议{school}延长课后服务时间", "课后服务收费问题咨询"),
        (
            "双职工家庭下午五点接孩子很难，建议{school}的课后服务延长到六点，并增加运动和阅读类内容。",
            "{school}的课后服务每学期收费，请问收费标准由谁定？是否自愿参加？",
        ),
        "网友您好：感谢您的建议。根据{basis}，课后服务坚持学生家长自愿原则，服务结束时间原则上不早于当地正常下班时间。"
        "我局已于{visit_date}指导{school}优化课后服务方案，本学期起延长至18:00，并增加体育、阅读、科普类活动。"
        "课后服务收费标准由价格主管部门核定并公示。咨询电话{hotline}。{department}",
    ),
    Theme(
        "bus_route", ("交通运输", "公交出行", "线路调整"), ("suggestion", "mailbox"), "jt", None,
        "《城市公共汽车和电车客运管理规定》",
        ("建议开通{compound}到地铁站的公交", "{bus}调整线路后居民出行不便"),
        (
            "{district}{compound}一带新建了好几个小区，居民有上万人，但是最近的公交站要走一公里。建议开通一条到{road}地铁站的接驳公交。",
            "{bus}公交改线后不再经过{road}，沿线很多老人去医院要转两次车，希望恢复原线路或者增加一条线路。",
        ),
        "网友您好：感谢您对公共交通的关注。根据{basis}，我局已于{visit_date}组织公交企业对{compound}周边客流开展调查，"
        "计划于下月开通一条社区微循环线路，连接{compound}与{road}地铁站，高峰时段发车间隔不超过15分钟。具体开通时间将在"
        "“A市公交”公众号公布。咨询电话{hotline}。{department}",
    ),
    Theme(
        "bus_frequency", ("交通运输", "公交出行", "班次间隔"), ("complaint", "suggestion"), "jt", None,
        "《城市公共汽车和电车客运管理规定》",
        ("{bus}公交等车太久", "{bus}早高峰班次太少"),
        (
            "每天早上七点多在{road}站等{bus}，经常要等半个小时，来了也挤不上去。希望早高峰增加班次。",
            "{bus}晚上九点以后就没车了，{compound}很多上夜班的人回不了家，建议延长末班车时间。",
        ),
        "网友您好：经{visit_date}对{bus}线路客流数据核查，早高峰时段满载率较高。依据{basis}，我局已要求公交企业自下周起"
        "早高峰加密班次，发车间隔由15分钟缩短至8分钟，末班车延长至22:00。如有问题请拨打{hotline}。{department}",
    ),
    Theme(
        "taxi_refuse", ("交通运输", "出租车", "拒载绕路"), ("complaint",), "jt", None,
        "《巡游出租汽车经营服务管理规定》",
        ("出租车拒载还态度恶劣", "高铁站出租车不打表议价"),
        (
            "{date_text}晚上在A市高铁站排队打车，说去{district}{compound}，司机嫌近拒载，还骂人。车牌号记下来了，请严肃处理。",
            "在{road}打的出租车明显绕路，平时二十块的路程收了四十多，司机说导航走的，要求退钱不给。",
        ),
        "网友您好：收到您的投诉后，我局执法人员于{visit_date}调取了车辆运营记录和车载视频，核实该驾驶员存在拒载行为。"
        "依据{basis}第四十八条，已对其处以罚款并记入服务质量信誉考核，所属企业对其停运培训。感谢您的监督，"
        "如遇类似情况请拨打{hotline}投诉。{department}",
    ),
    Theme(
        "illegal_parking", ("交通运输", "道路交通", "违章停车"), ("complaint",), "ga", "cg",
        "《中华人民共和国道路交通安全法》",
        ("{road}人行道被车辆长期占用", "{compound}门口乱停车堵住消防通道"),
        (
            "{district}{road}两侧人行道上每天停满了车，行人只能走机动车道，推婴儿车的老人特别危险。",
            "{compound}小区门口每天晚上都有车辆乱停，把消防通道都堵死了，救护车进不来，物业管不了。",
        ),
        "网友您好：经{visit_date}现场核实，您反映的路段确有车辆占用人行道停放的情况。依据{basis}第五十六条，交警部门已对"
        "违停车辆贴单处罚，并联合城管部门在该路段加装隔离桩、施划禁停标线，同时将该路段纳入电子警察抓拍范围。"
        "如有问题请拨打{hotline}或12345。{department}",
    ),
    Theme(
        "traffic_light", ("交通运输", "道路交通", "交通信号"), ("suggestion",), "ga", None,
        "《道路交通信号灯设置与安装规范》",
        ("{road}与{road2}路口建议增设红绿灯", "{road}路口绿灯时间太短"),
        (
            "{road}与{road2}交叉口附近有{school}，上下学时段车流人流很大，却没有信号灯，已经发生过好几起剐蹭，建议增设红绿灯。",
            "{road}路口行人绿灯只有十几秒，老人走到一半就变灯了，建议延长行人过街时间。",
        ),
        "网友您好：感谢您的建议。交警部门于{visit_date}对该路口开展流量调查，依据{basis}，该路口已满足设置信号灯条件，"
        "已列入本年度交通设施建设计划，预计两个月内完工；施工前先增设减速带和人行横道警示标志。咨询电话12345。{department}",
    ),
    Theme(
        "road_potholes", ("城乡建设", "市政设施", "道路维修"), ("complaint", "help"), "cg", "cg",
        "《城市道路管理条例》",
        ("{road}路面坑洼多，雨天积水", "{road}有个大坑，已经有人摔倒"),
        (
            "{district}{road}靠近{compound}一段路面坑坑洼洼，下雨天全是积水看不见坑，昨天有个骑电动车的摔倒了。请尽快修补。",
            "{road}{road_number}号附近的路面塌了一个大坑，晚上没有警示标志，很危险。",
        ),
        "网友您好：收到您的反映后，市政养护人员于{visit_date}到现场设置警示围挡，并于次日完成坑槽修补。依据{basis}，"
        "我们已将该路段列入本年度道路提质改造计划，将对整段路面进行铣刨重铺。如发现道路设施损坏，请拨打{hotline}。{department}",
    ),
    Theme(
        "street_lights", ("城乡建设", "市政设施", "路灯照明"), ("complaint", "help"), "cg", "cg",
        "《A市城市照明管理办法》",
        ("{road}路灯不亮一个多月", "{compound}门口路段晚上漆黑一片"),
        (
            "{district}{road}从{compound}到{road2}这一段，十几盏路灯坏了一个多月，晚上下班回家黑漆漆的，女生走夜路很害怕。",
            "{compound}门口的路灯晚上一直不亮，前几天有老人摔倒了。打过电话说报修了，但是一直没人来修。",
        ),
        "网友您好：经{visit_date}夜间巡查，该路段路灯因地下电缆老化故障导致不亮。依据{basis}，照明管理所已更换故障电缆，"
        "路灯已全部恢复照明，同时对该片区路灯进行了全面检修。如发现路灯故障，请拨打{hotline}报修。{department}",
    ),
    Theme(
        "manhole_cover", ("城乡建设", "市政设施", "井盖设施"), ("help", "complaint"), "cg", "cg",
        "《城市道路管理条例》及《检查井盖》国家标准",
        ("{road}井盖缺失，请尽快处理", "{compound}门口井盖松动响声大"),
        (
            "{district}{road}靠近公交站的人行道上有个井盖不见了，只用一个锥桶挡着，晚上很容易掉下去，请赶快处理！",
            "{compound}门口马路上的井盖松动，每次车压过去都哐当响，半夜吵得睡不着，还怕哪天翻起来出事。",
        ),
        "网友您好：接件后，养护单位于当日设置安全警示，并于{visit_date}更换了防盗防沉降井盖。经查，该井盖产权单位为"
        "燃气公司，依据{basis}，我们已督促产权单位对该路段井盖全面排查。如发现井盖缺失松动，请拨打{hotline}。{department}",
    ),
    Theme(
        "water_outage", ("城乡建设", "市政设施", "城市供水"), ("complaint", "help"), "sw", None,
        "《城市供水条例》",
        ("{compound}频繁停水且无通知", "{compound}高层水压太低"),
        (
            "{district}{compound}这个月已经停水三次了，每次都没有提前通知，家里老人做饭洗澡都成问题。",
            "{compound}12楼以上水压特别低，白天基本没水，热水器都打不着火。问物业说是二次供水设备的问题。",
        ),
        "网友您好：经{visit_date}核查，{compound}停水系二次供水设备故障及市政管网抢修所致。依据{basis}，供水企业计划停水"
        "须提前24小时通知用户，此次未及时通知，我局已责令其整改。供水企业已更换二次供水加压泵，高峰水压已恢复正常。"
        "如有问题请拨打{hotline}。{department}",
    ),
    Theme(
        "property_management", ("城乡建设", "物业管理", "物业服务"), ("complaint",), "zj", "zj",
        "《物业管理条例》",
        ("{property_co}服务差还涨物业费", "{compound}物业不作为"),
        (
            "{district}{compound}的物业公司{property_co}，小区卫生没人打扫，电梯经常坏，现在还要把物业费从每平米1.2元涨到1.8元，"
            "没有开业主大会就贴了通知。请住建部门管一管。",
            "我们{compound}电梯坏了一个多星期，物业说要等维修资金批下来，住在高层的老人下不了楼。物业费一分没少交。",
        ),
        "网友您好：经{visit_date}调查，{property_co}在未经业主大会同意的情况下发布调价通知，不符合{basis}及物业服务收费"
        "相关规定，我局已责令其撤回通知；同时督促其限期维修电梯、完善保洁服务，并将其服务情况纳入物业企业信用评价。"
        "建议业主依法成立业主委员会。咨询电话{hotline}。{department}",
    ),
    Theme(
        "maintenance_fund", ("城乡建设", "物业管理", "维修资金"), ("inquiry", "help"), "zj", "zj",
        "《住宅专项维修资金管理办法》",
        ("小区电梯更换如何使用维修资金", "维修资金查询和退还问题"),
        (
            "{compound}小区电梯已经用了十八年，经常困人，业主想用维修资金更换电梯。请问需要什么程序？多久能批下来？",
            "我家的房子卖了，请问当初交的住宅专项维修资金能不能退？在哪里可以查询余额？",
        ),
        "网友您好：根据{basis}，使用住宅专项维修资金须经专有部分占建筑物总面积三分之二以上且人数三分之二以上业主参与表决，"
        "并经参与表决业主双过半同意；危及安全的紧急情况可走应急使用程序，审核时间不超过5个工作日。房屋转让时维修资金"
        "余额随房屋一并转让，不予退还。余额可在A市住房维修资金查询系统查询。咨询电话{hotline}。{department}",
    ),
    Theme(
        "stalled_project", ("城乡建设", "房地产开发", "逾期交房"), ("mailbox", "complaint", "help"), "zj", None,
        "《城市房地产开发经营管理条例》及《A市商品房预售资金监管办法》",
        ("{developer}开发的{compound}项目逾期交房", "{compound}停工一年，业主房贷已还两年"),
        (
            "尊敬的领导：我们是{district}{compound}项目的购房业主，合同约定去年底交房，但项目已停工快一年，工地上一个工人都没有。"
            "我们每个月还着房贷，还要租房住，几百户业主苦不堪言。恳请政府出面协调复工。",
            "{developer}开发的{compound}二期，交房时间一拖再拖，开发商说资金紧张。请问预售资金监管账户里的钱去哪了？",
        ),
        "网友您好：市委、市政府高度重视{compound}项目问题。{visit_date}，我局会同相关部门召开专题协调会，依据{basis}，"
        "已对该项目预售资金账户实施重点监管，协调金融机构提供融资支持，项目已于近日复工，施工单位承诺按节点推进，"
        "预计明年二季度具备交房条件。我局将每月公布工程进度。咨询电话{hotline}。{department}",
        assisting="zr",
    ),
    Theme(
        "property_certificate", ("城乡建设", "房地产开发", "不动产登记"), ("complaint", "inquiry"), "zr", None,
        "《不动产登记暂行条例》",
        ("{compound}交房五年还办不了房产证", "不动产登记需要多长时间"),
        (
            "{district}{compound}交房已经五年了，业主一直拿不到不动产权证，开发商说是规划验收没通过。孩子上学、落户都受影响。",
            "请问购买二手房办理不动产转移登记需要准备什么材料？一般多少个工作日能拿证？",
        ),
        "网友您好：经{visit_date}核查，{compound}项目因部分配套设施未按规划建设，未通过规划核实。依据{basis}，我局已督促"
        "开发企业限期整改，并启动“交房即交证”历史遗留问题化解程序，预计三个月内为业主分批办理首次登记和转移登记。"
        "二手房转移登记材料可在A市政务服务网查询，一般3个工作日内办结。咨询电话{hotline}。{department}",
    ),
    Theme(
        "old_compound_renovation", ("城乡建设", "住房保障", "老旧小区改造"), ("suggestion", "inquiry"), "zj", "zj",
        "《关于全面推进城镇老旧小区改造工作的指导意见》",
        ("{compound}能否纳入老旧小区改造", "建议老旧小区加装电梯"),
        (
            "{district}{compound}是上世纪九十年代的老小区，外墙脱落、管网老化、下雨就积水，请问什么时候能纳入老旧小区改造？",
            "{compound}都是六层楼没有电梯，住了很多老年人，建议政府补贴加装电梯，并简化审批手续。",
        ),
        "网友您好：根据{basis}，老旧小区改造遵循“居民自愿、先急后缓”的原则，由街道汇总居民意愿后申报。经{visit_date}核实，"
        "{compound}已列入明年改造计划，改造内容包括管网更新、外墙修缮、雨污分流；既有住宅加装电梯市级财政每台补贴15万元，"
        "需本单元三分之二以上业主同意。咨询电话{hotline}。{department}",
    ),
    Theme(
        "public_rental", ("城乡建设", "住房保障", "公租房"), ("inquiry", "help"), "zj", "zj",
        "《公共租赁住房管理办法》",
        ("公租房申请条件咨询", "申请公租房两年了还在排队"),
        (
            "我和爱人都在A市打工，没有房子，收入也不高，请问外地户籍能不能申请公租房？需要什么条件？",
            "我前年申请了公租房，一直显示在轮候，请问现在排到多少号了？大概还要等多久？",
        ),
        "网友您好：根据{basis}及A市实施细则，在本市稳定就业、连续缴纳社会保险满一年且家庭在本市无住房的非本市户籍人员，"
        "可以申请公共租赁住房。申请可通过A市住房保障服务平台或户籍、工作所在地街道办理。轮候顺序可在平台实时查询，"
        "今年将新增配租房源两千套。咨询电话{hotline}。{department}",
    ),
    Theme(
        "food_safety", ("商贸旅游", "市场监管", "食品安全"), ("complaint",), "sj", None,
        "《中华人民共和国食品安全法》",
        ("{shop}后厨卫生脏乱", "{market}超市销售过期食品"),
        (
            "{date_text}在{road}的{shop}吃饭，后厨就在过道边，能看到地上污水横流、老鼠乱窜，吃完后全家拉肚子。",
            "在{district}{market}买的酸奶回家发现已经过期一周，货架上还有好几盒，和店员说了也不处理。",
        ),
        "网友您好：接到投诉后，我局执法人员于{visit_date}对涉事经营者进行了检查，发现其存在食品贮存不规范、"
        "加工场所卫生不达标的问题。依据{basis}，已下达责令改正通知书并立案调查，涉事过期食品已全部下架销毁。"
        "如遇食品安全问题，请保留票据并拨打{hotline}。{department}",
    ),
    Theme(
        "prepaid_card", ("商贸旅游", "市场监管", "预付卡消费"), ("complaint", "help"), "sj", None,
        "《单用途商业预付卡管理办法（试行）》",
        ("{gym}突然关门，会员卡退费无门", "培训机构卷款跑路"),
        (
            "我在{district}{road}的{gym}办了一张{amount}元的年卡，才用了两个月店就关门了，老板联系不上，几百名会员的钱都没退。",
            "孩子在{gym}报了两年的课，交了{amount}元，现在机构停课，说是搬家，已经三个月了还没有消息。",
        ),
        "网友您好：经{visit_date}调查，{gym}因经营不善停业，我局已联系到经营者，依据{basis}及《消费者权益保护法》，"
        "责令其制定退费方案；目前已组织会员登记，涉及金额较大的部分已移送公安机关。请您携带合同和付款凭证到"
        "{district}市场监管所登记。咨询电话{hotline}。{department}",
        assisting="ga",
    ),
    Theme(
        "hospital_service", ("卫生健康", "医疗服务", "看病就医"), ("complaint", "suggestion"), "wj", None,
        "《医疗机构管理条例》及《进一步改善医疗服务行动计划》",
        ("{hospital}挂号难、排队时间长", "建议{hospital}增加夜间门诊"),
        (
            "带孩子到{hospital}看病，早上七点到的，挂号、缴费、检查每个环节都排长队，一直折腾到下午三点。希望改进就医流程。",
            "{hospital}儿科晚上只有一个医生值班，排队要三四个小时，建议增加夜间儿科门诊医生。",
        ),
        "网友您好：经{visit_date}调查，{hospital}近期就诊量大幅上升。依据{basis}，我委已要求该院推行预约诊疗、"
        "诊间结算和检查集中预约，夜间儿科增派2名医生，高峰时段开放弹性门诊。欢迎您继续监督。咨询电话{hotline}。{department}",
    ),
    Theme(
        "vaccination", ("卫生健康", "公共卫生", "预防接种"), ("inquiry",), "wj", None,
        "《中华人民共和国疫苗管理法》",
        ("九价HPV疫苗如何预约", "孩子的疫苗接种证丢了怎么补办"),
        (
            "请问A市九价HPV疫苗在哪里可以预约？预约了好几个社区医院都显示没有号。",
            "孩子的预防接种证丢了，马上要上小学需要查验，请问在哪里补办？",
        ),
        "网友您好：根据{basis}，A市非免疫规划疫苗通过“A市预防接种”小程序统一预约，每周一上午更新号源；"
        "预防接种证遗失的，可持儿童出生证明到现居住地社区卫生服务中心接种门诊补办。咨询电话{hotline}。{department}",
    ),
    Theme(
        "scenic_area", ("商贸旅游", "旅游服务", "景区管理"), ("complaint", "suggestion"), "wl", None,
        "《中华人民共和国旅游法》",
        ("{scenic}强制消费", "{scenic}节假日停车难"),
        (
            "国庆期间参加旅行社的一日游去{scenic}，导游把我们带进购物店，不买东西就不让走，还冷嘲热讽。",
            "{scenic}节假日停车场太小，车辆排到了主干道上，建议增设临时停车场和接驳车。",
        ),
        "网友您好：经{visit_date}调查，涉事旅行社存在安排购物诱导消费的行为。依据{basis}第三十五条，我局已对该旅行社"
        "立案查处，对涉事导游记入不良信用记录；同时指导{scenic}在节假日启用临时停车场并开通免费接驳车。"
        "咨询电话{hotline}。{department}",
    ),
    Theme(
        "square_dance", ("环境保护", "噪声污染", "社会生活噪声"), ("complaint",), "ga", "cg",
        "《中华人民共和国噪声污染防治法》第六十四条",
        ("{compound}旁广场舞音响太吵", "{park}晚上音响扰民"),
        (
            "{district}{compound}旁边的{park}每天晚上七点到十点跳广场舞，音响开得特别大，住在附近的人根本没法休息，孩子写不了作业。",
            "每天早上六点不到就有人在{park}用大音箱放音乐，周末也一样，希望管理一下时间和音量。",
        ),
        "网友您好：经{visit_date}现场调查，{park}广场舞音响音量超标。依据{basis}，辖区派出所会同社区约谈了活动组织者，"
        "约定活动时间为19:00至21:00、使用音量限制器，社区将安排志愿者劝导。如再发生噪声扰民，请拨打{hotline}。{department}",
    ),
    Theme(
        "fire_exit", ("公共安全", "消防安全", "消防通道"), ("complaint", "help"), "ga", "cg",
        "《中华人民共和国消防法》",
        ("{compound}楼道电动车充电隐患大", "{compound}消防通道被占"),
        (
            "{district}{compound}好几栋楼的楼道里都停着电动车，还有人从楼上拉电线下来充电，一旦起火后果不堪设想。",
            "{compound}的消防通道被物业划成了收费停车位，上次小区着火消防车都进不来。",
        ),
        "网友您好：经{visit_date}检查，{compound}确实存在楼道停放电动车、消防车通道被占用的问题。依据{basis}，"
        "消防救援机构已责令物业企业清理楼道、恢复消防车通道标线，社区已协调在小区内增设电动车集中充电棚。"
        "如发现消防安全隐患，请拨打{hotline}或96119举报。{department}",
    ),
    Theme(
        "ebike_theft", ("公共安全", "治安管理", "治安秩序"), ("complaint", "help"), "ga", None,
        "《中华人民共和国治安管理处罚法》",
        ("{compound}接连发生电动车被盗", "{road}夜宵摊深夜喧哗滋事"),
        (
            "{district}{compound}这个月已经丢了五六辆电动车，小区监控很多是坏的，报警后一直没有结果。",
            "{road}的夜宵摊每天营业到凌晨三四点，经常有人酒后吵闹打架，附近居民很害怕。",
        ),
        "网友您好：接报后，辖区派出所于{visit_date}加强了对该区域的巡逻防控，并督促物业修复小区监控设施。依据{basis}，"
        "对已查获的盗窃嫌疑人依法处理，夜间重点时段增派警力巡查。如遇警情请及时拨打{hotline}。{department}",
    ),
    Theme(
        "park_fitness", ("教育文体", "文体设施", "公园健身设施"), ("suggestion", "help"), "cg", "cg",
        "《A市城市公园管理条例》",
        ("{park}健身器材损坏无人修", "建议{park}增设儿童游乐设施"),
        (
            "{district}{park}里的健身器材有好几件已经坏了，有的螺丝都松了，老人小孩用起来很危险，希望尽快维修。",
            "{park}附近住着很多年轻家庭，但公园里没有儿童游乐设施，建议增设一些，并铺设塑胶地面。",
        ),
        "网友您好：感谢您的反映。我们于{visit_date}对{park}健身器材进行了全面检查，已维修更换损坏器材6件，并对其他器材"
        "进行加固。依据{basis}，增设儿童游乐设施已纳入公园提质改造方案，预计年内完成。如有问题请拨打{hotline}。{department}",
    ),
)

# Reasons intake gives when a message is not accepted (shown to the citizen).
REJECT_REASONS: tuple[str, ...] = (
    "您反映的事项已进入司法程序，根据《信访工作条例》有关规定，请依法通过诉讼途径解决。",
    "您反映的问题属于企业之间的民事合同纠纷，不属于本平台受理范围，建议通过仲裁或诉讼途径解决。",
    "您的留言未写明具体地点和事项，经电话联系未能补充，暂不予受理；欢迎补充完整后重新提交。",
    "您反映的地点不在A市行政区域内，请向属地人民政府或有关部门反映。",
    "您反映的事项已于近期答复并办结，无新的情况和理由，不再重复受理。",
)
REQUEST_INFO_MESSAGES: tuple[str, ...] = (
    "请补充问题发生的具体地址（小区名称、楼栋或路段）和大致时间，以便我们转交有关部门核实处理。",
    "请补充涉事单位的名称及您与其签订的合同或付款凭证情况。",
    "请说明您此前是否已向有关部门反映过，以及对方的答复情况。",
)
RETURN_COMMENTS: tuple[str, ...] = (
    "答复未写明法律政策依据和具体整改时限，请补充后重新提交。",
    "答复未回应网民提出的第二个问题，请补充。",
    "请核实现场检查时间并附上整改后的情况。",
)
REDO_PREFIX = "针对您对上次答复的意见，我单位再次组织核查并回访。"
RATING_COMMENTS: dict[str, tuple[str, ...]] = {
    "satisfied": ("问题已经解决，感谢政府！", "处理很及时，工作人员还打电话回访了。", "谢谢，答复很清楚。", ""),
    "basic": ("基本解决了，希望后续加强监管。", "答复还行，但办理时间有点长。", ""),
    "dissatisfied": (
        "问题根本没有解决，现场还是老样子。", "答复是套话，没有实际行动。", "说要整改，到现在也没看到变化。",
    ),
}
DECIDE_CLOSE = "经核查，承办单位已依法依规处理并向网民做了解释，诉求超出现行政策规定，作办结处理，由属地继续做好沟通工作。"
REPLY_TEMPLATES = (
    ("一般答复", "网友您好：您反映的“{title}”收悉。{department}高度重视，经调查核实，现答复如下：\n\n（办理情况）\n\n"
               "（处理依据）\n\n如有疑问，请拨打12345热线咨询。感谢您对我们工作的支持！\n{department}\n{date}"),
    ("政策咨询答复", "网友您好：关于您咨询的“{title}”，根据（政策文件名称及文号）规定，（政策内容）。"
                 "具体办理流程：（流程）。\n如需进一步了解，可于工作日到{department}服务窗口咨询。\n{department}\n{date}"),
    ("转办说明", "网友您好：您反映的问题（查询码{code}）涉及多个部门职责，{department}已会同相关单位研究办理，"
             "现将办理结果答复如下：\n\n（办理结果）\n\n{department}\n{date}"),
)

RETURN_REASONS = (
    "该问题属于区级事权，建议交由属地区政府办理。",
    "经核实，该小区物业管理不属于我局职责范围，应由住建部门办理。",
    "反映事项涉及劳动合同纠纷，属人社部门职责，申请退回改派。",
)
CONTACT_NOTES = (
    "已电话联系网民，了解具体情况，约定现场查看时间。",
    "已上门走访，与网民当面沟通，网民表示理解。",
    "电话联系网民未接通，已发送短信告知办理进展，次日再次联系已接通。",
)
SUPERVISION_INSTRUCTIONS = (
    "该件已超期，请承办单位三个工作日内办结并书面报送办理情况。",
    "群众多次反映，请主要负责同志亲自督办，限期解决。",
)
EXTENSION_REASONS = (
    "需协调多个部门现场会商，申请延期5个工作日。",
    "需等待第三方检测报告结果，申请延期。",
)

# The leader's instructions (批示) written on letters to the mailbox before they are forwarded.
LEADER_INSTRUCTIONS = (
    "请相关部门高度重视，认真核实，依法依规处理，并及时答复群众。",
    "请抓紧调查处理，举一反三，切实解决群众反映的问题。",
    "此事关系群众切身利益，请限期办理，办理结果报市政府办公室。",
    "请会同有关单位现场核查，妥善处理，做好解释工作。",
)

DECIDE_REDO = "承办单位答复未回应网民核心诉求，整改措施不具体，责令重新办理，并在期限内将结果报督查室。"
PRIVATE_NOTE = "留言涉及个人纠纷和身份信息，不予公开。"

SLOT_VALUES: dict[str, tuple[str, ...]] = {
    "compound": (
        "幸福家园", "锦绣华庭", "阳光花园", "金桂苑", "书香门第", "翠湖湾", "和平新村", "枫林雅居", "滨江一号",
        "梧桐苑", "南湖春晓", "紫薇花园", "丽景新城", "怡海星城", "东方名苑",
    ),
    "road": (
        "人民路", "五一大道", "解放西路", "建设北路", "中山路", "新华路", "东风路", "长青路", "银杏大道",
        "学府路", "滨河路", "迎宾路", "朝阳路", "青年大道",
    ),
    "plant": ("城建混凝土搅拌站", "中联商砼搅拌站", "华鑫建材搅拌站", "宏基商品混凝土站"),
    "company": ("宏达建筑劳务有限公司", "鑫源装饰工程有限公司", "华盛物流有限公司", "盛世商贸有限公司", "恒通电子科技有限公司"),
    "developer": ("鼎盛置业有限公司", "泰和房地产开发有限公司", "宏远置业有限公司", "城投地产有限公司"),
    "property_co": ("锦程物业服务有限公司", "安居物业管理有限公司", "嘉和物业服务有限公司"),
    "school": ("第一实验小学", "育才小学", "新华路小学", "明德小学", "城南实验学校"),
    "kindergarten": ("蓝天幼儿园", "小太阳幼儿园", "启明星幼儿园", "童心幼儿园"),
    "hospital": ("市第一人民医院", "市中心医院", "市中医医院", "市妇幼保健院"),
    "shop": ("老街烧烤", "湘味小厨", "川香火锅", "好再来快餐", "渔家酸菜鱼"),
    "market": ("惠民超市", "佳佳乐超市", "百汇生活超市"),
    "gym": ("力健健身会所", "优学教育培训中心", "美佳美容会所", "星空游泳馆"),
    "scenic": ("青山湖景区", "古镇风景区", "白鹭洲湿地公园"),
    "park": ("人民公园", "滨河公园", "文化广场", "梅溪湖公园"),
    "river": ("浏阳河支流", "龙王港", "圭塘河", "南湖港"),
}

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕"
GIVEN_NAMES = (
    "建国", "秀英", "志强", "丽华", "海燕", "伟", "敏", "静", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛",
    "明", "超", "秀兰", "霞", "平", "刚", "桂英", "文", "婷", "晓东", "春梅", "建华", "玉兰", "国强", "红梅", "鹏",
)
# Mobile prefixes in use in China; the rest of the number is random (from the seeded generator).
MOBILE_PREFIXES = ("138", "139", "137", "136", "135", "150", "151", "158", "186", "187", "189", "177")

# Ways citizens put their own details in the message: the masking on the portal should hide them.
PERSONAL_TAILS: tuple[str, ...] = (
    "我叫{name}，电话{phone}，希望尽快回复。",
    "联系人：{name}，手机{phone}。",
    "我家住{compound}{room}，如需核实可以打我电话{phone}。",
    "本人{name}，住{compound}{room}。",
    "如有需要请联系我：{phone}。",
)


def person(rng: random.Random) -> tuple[str, str]:
    """An invented citizen: a name and an 11-digit mobile number."""
    name = rng.choice(SURNAMES) + rng.choice(GIVEN_NAMES)
    phone = rng.choice(MOBILE_PREFIXES) + "".join(str(rng.randrange(10)) for _ in range(8))
    return name, phone


def room(rng: random.Random) -> str:
    return f"{rng.randint(1, 18)}栋{rng.randint(1, 4)}单元{rng.randint(1, 26)}0{rng.randint(1, 4)}室"


def case_slots(rng: random.Random, district: str) -> dict[str, str]:
    """Values for every template slot; each template uses some of them."""
    slots = {key: rng.choice(values) for key, values in SLOT_VALUES.items()}
    slots["road2"] = rng.choice([r for r in SLOT_VALUES["road"] if r != slots["road"]])
    slots["district"] = district
    slots["room"] = room(rng)
    slots["bus"] = f"{rng.choice(['', '', 'K', '旅'])}{rng.randint(2, 168)}路"
    slots["months"] = str(rng.randint(2, 8))
    slots["amount"] = str(rng.choice([3800, 5600, 8000, 12000, 18500, 26000, 43000]))
    slots["years"] = str(rng.randint(45, 58))
    slots["road_number"] = str(rng.randint(8, 399))
    slots["date_text"] = rng.choice(["上周五", "前天", "上个月底", "周日"])
    return slots
