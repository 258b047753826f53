"""Named agents, materials, devices and targets per harm area: the vocabulary that makes a request unmistakably
about a weapon. Names are matched on normalised text (lower case, accents off, leetspeak decoded), in the six UN
languages and German where the name differs. A name alone never refuses: it must meet an operational ask."""

from __future__ import annotations

import re

_W = r"(?<![\w])"  # word start that also works next to digits and hyphens
_E = r"(?![\w])"

_TERMS: dict[str, str] = {
    "chemical": r"""sarin|soman|tabun|cyclosarin|\bvx\b|v-?x nerve|novi[cč]h?oks?|novichok|a-?23[0-4]|lewisite|
        (?:sulfur|sulphur|nitrogen) mustard|mustard gas|senfgas|gas mostaza|gaz moutarde|иприт|зарин|芥子气|沙林|
        phosgene|diphosgene|chlorine gas|chlorgas|hydrogen cyanide|cyanogen chloride|blausaure|zyklon|
        nerve[- ]?(?:agents?|gas)|nervenkampfstoff\w*|agentes? nerviosos?|agents? neurotoxiques?|нервно-паралитическ\w+|
        神经毒剂|غاز الأعصاب|blister agents?|choking agents?|chemical (?:weapons?|warfare|agents?)|chemiewaffe\w*|
        armas? quimicas?|armes? chimiques?|химическ\w+ оружи\w+|化学武器|سلاح كيميائي|أسلحة كيميائية|
        poison gas|toxic gas|giftgas|gas toxico|gaz toxique|отравляющ\w+ веществ\w+|毒气|غاز سام|
        strychnine?|strychnin|dimethyl ?mercury|thallium|arsenic trioxide|aconitine|parathion|carfentanil|
        organophosphates?|\bbz\b (?:agent|gas)|cyanide|cyanure|cianuro|цианид|氰化物|ricin""",
    "biological": r"""anthrax|milzbrand|antrax|carbunco|сибирск\w+ язв\w+|炭疽|الجمرة الخبيثة|b\. ?anthracis|bacillus anthracis|
        smallpox|variola|pocken|viruela|variole|оспа|天花|yersinia|pestis|bubonic|plague|tularemia|francisella|
        botulinum|botulism|botox toxin|ricin|rizin|abrin|tetrodotoxin|saxitoxin|ebola|marburg|nipah|
        h5n1|h7n9|avian (?:flu|influenza)|bird flu|1918 (?:flu|influenza|pandemic)|spanish flu|
        pathogens?|krankheitserreger|patogenos?|pathogenes?|патоген\w*|病原体|مسببات الأمراض|
        bio-?weapons?|biological (?:weapons?|agents?|warfare)|biowaffe\w*|armas? biologicas?|armes? biologiques?|
        биологическ\w+ оружи\w+|生物武器|سلاح بيولوجي|أسلحة بيولوجية|select agents?|gain[- ]of[- ]function|
        pandemic (?:virus|strain|pathogen)|superbug|weaponi[sz]ed (?:virus|strain|bacteria|pathogen)""",
    "radiological": r"""dirty bombs?|schmutzige bombe|bomba sucia|bombe sale|грязн\w+ бомб\w+|脏弹|قنبلة قذرة|
        radiological (?:weapons?|dispersal|device|bomb)|\brdds?\b|radiation (?:exposure|dispersal) device|
        cs-?137|ca?esium-?137|co-?60|cobalt-?60|am-?241|americium|sr-?90|strontium-?90|ir-?192|iridium-?192|
        polonium|po-?210|radioactive (?:sources?|material|isotopes?|waste)|radioaktiv\w*|radiactiv\w*|radioacti\w+|
        радиоактивн\w+|放射性|مواد مشعة""",
    "nuclear": r"""nuclear (?:weapons?|bombs?|warheads?|device|explosive)|atom(?:ic)? ?bombs?|atombombe|bomba (?:atomica|nuclear)|
        bombe (?:atomique|nucleaire)|arme nucleaire|arma nuclear|ядерн\w+ (?:оружи\w+|бомб\w+)|атомн\w+ бомб\w+|核武器|原子弹|
        قنبلة (?:نووية|ذرية)|سلاح نووي|\bheu\b|highly enriched uranium|weapons?[- ]grade|plutonium|pu-?239|u-?235|
        uranium enrichment|enrich(?:ing)? uranium|implosion (?:lens|lenses|device|design)|critical mass|fissile|
        gun-type (?:device|design|bomb)|yellowcake|hochangereichert\w*|uranio enriquecido|uranium enrichi""",
    "explosives": r"""explosives?|explosivos?|sprengstoff\w*|взрывчатк\w+|взрывчат\w+|炸药|متفجرات|
        \bbombs?\b|\bbomba\b|\bbombe\b|бомб\w+|炸弹|قنبلة|\bieds?\b|pipe ?bombs?|rohrbombe|pressure[- ]cooker bombs?|
        car bombs?|autobombe|coche bomba|nail bombs?|suicide (?:vest|belt|bomb\w*)|tatp|hmtd|anfo|\brdx\b|petn|semtex|
        \bc-?4\b|nitroglycerin\w*|dynamite|dynamit|thermite|thermit|napalm|molotov|molotow|molotovs?|incendiar\w+|
        brandbombe|detonators?|blasting caps?|zunder|sprengkapsel|grenades?|granaten?|granadas?|гранат\w+|手榴弹|
        black powder|flash powder|fertili[sz]er bombs?|ammonium nitrate (?:bomb|explosive)|shaped charges?|
        booby[- ]traps?|landmines?|claymore""",
    "firearms": r"""\bguns?\b|firearms?|waffe\b|schusswaffe\w*|arma de fuego|armas de fuego|arme a feu|огнестрельн\w+|枪|枪支|
        سلاح ناري|rifles?|pistols?|pistole\w*|pistolas?|пистолет\w*|handguns?|revolvers?|shotguns?|glock|ar-?15|ak-?47|
        kalashnikov|\bsmg\b|uzi|ghost guns?|80 ?% lowers?|lower receivers?|auto ?sears?|glock switch\w*|bump ?stocks?|
        suppressors?|silencers?|schalldampfer|silenciador|glushitel|глушител\w+|消音器|full[- ]?auto\w*|fully automatic|
        vollautomat\w*|machine ?guns?|maschinengewehr|ametralladora|автомат\w*|zip ?guns?|pipe ?guns?|slam ?fire|
        3d[- ]?print\w* (?:guns?|firearms?|pistols?|rifles?)|serial numbers?|armou?r[- ]piercing|ammunition|\bammo\b|
        munition|background checks?|straw (?:purchase|buyer|man)|crossbows?|tasers?|brass knuckles|switchblades?""",
    "autonomous_weapons": r"""(?:armed|attack|kamikaze|suicide|strike|combat|killer|weaponi[sz]ed) drones?|fpv drones?|
        loitering munitions?|drone swarms?|swarm(?:s|ing)? of drones|kampfdrohne\w*|dron(?:es)? (?:armados?|de ataque)|
        drones? armes?|ударн\w+ дрон\w*|дрон\w*|无人机|طائرة مسيرة|مسيرة|killer robots?|sentry guns?|
        (?:auto(?:nomous|matic)|ai|robotic) (?:turrets?|weapons?|targeting|sniper)|turrets?|robot dogs?|
        lock(?:s|ing)? on(?:to)? (?:people|persons|humans|anyone|everyone|targets?|faces?|soldiers|uniforms?|vehicles)|target(?:ing)? (?:people|humans|persons|soldiers|civilians)|kill chain|kill list|
        human[- ]in[- ]the[- ]loop|operator (?:confirmation|approval)|payload (?:release|drop)|drop (?:a |the )?(?:grenade|payload|bomb)""",
    "cyber_physical": r"""scada|\bics\b|industrial control|\bplcs?\b|programmable logic|modbus|dnp3|power grids?|stromnetz|
        red electrica|reseau electrique|энергосет\w+|电网|شبكة الكهرباء|substations?|water treatment|wasserwerk|
        chlorine dosing|dams?\b|floodgates?|can ?bus|\becus?\b|infotainment|train signal\w*|railway signal\w*|
        ads-?b|\bais\b|brak(?:e|es|ing) (?:systems?|controls?|lines?)|steering (?:systems?|controls?)|
        vehicle control systems?|gps spoof\w*|pacemakers?|insulin pumps?|medical devices?|hospital(?:s|'s)? (?:network|systems)|
        \b911\b|\b112\b|emergency (?:alert|call|dispatch|broadcast)\w*|ransomware|malware|schadsoftware|вредонос\w+|
        恶意软件|برمجيات خبيثة|\bworms?\b|trojans?|rootkits?|keyloggers?|zero[- ]?days?|\bexploits?\b|botnets?|\bddos\b|
        stuxnet|triton|industroyer|cyber[- ]?(?:weapons?|attacks?)|hack(?:ing)? into""",
    "mass_violence": r"""terror\w*|терро?р\w*|恐怖|إرهاب\w*|mass (?:shooting|casualt\w+|murder|killing|attack)|amok\w*|
        massacre|massaker|masacre|массов\w+ убийств\w+|屠杀|مذبحة|school shooting|kill (?:as many|the most|lots of|many|a lot of)|
        maximi[sz]e (?:casualties|deaths|the death toll|the body count|damage)|body count|death toll|
        vehicle[- ]ramming|ram(?:ming)? (?:a |my |the )?(?:truck|car|van|vehicle) into|crowds?|stadium|concert|
        assassinat\w+|attentat\w*|atentado\w*|покушени\w+|暗杀|اغتيال|poison (?:the )?(?:water supply|reservoir)|
        shooting spree|hit list|bomb threat|jihad\w*|martyrdom operation""",
    "controls_evasion": r"""export[- ]?controls?|export[- ]controlled|exportkontroll\w*|control de exportaciones|controle des exportations|
        экспортн\w+ контрол\w+|出口管制|sanctions?|sanctioned|sanktion\w*|sanciones|санкци\w+|制裁|عقوبات|\bitar\b|
        wassenaar|end[- ]?user certificates?|end[- ]use(?:r)? (?:statement|check)|shell compan\w+|briefkastenfirma|
        empresa fantasma|societe ecran|подставн\w+ компани\w+|空壳公司|transship\w*|\bhs codes?\b|customs (?:forms?|declaration)|
        know[- ]your[- ]customer|\bkyc\b|dual[- ]use (?:items?|goods|exports?)|entity list|embargo\w*""",
    "disinformation": r"""disinformation|desinformation|desinformacion|дезинформаци\w+|虚假信息|تضليل|propaganda|
        fake (?:accounts?|personas?|profiles?|news)|sock ?puppets?|bot (?:networks?|farms?|armies|army)|troll farms?|
        influence (?:operations?|campaigns?)|astroturf\w*|coordinated inauthentic|deep ?fakes?|election (?:interference|meddling)""",
}


_UNSPACED_SCRIPT = re.compile("[\u0600-\u06ff\u3040-\u30ff\u3400-\u9fff]")


def _compile(body: str) -> re.Pattern[str]:
    alternatives = [part.strip() for part in body.replace("\n", "").split("|") if part.strip()]
    # Chinese has no spaces and Arabic attaches prefixes (al-, wa-, bi-): their names match anywhere.
    bounded = [a for a in alternatives if not _UNSPACED_SCRIPT.search(a)]
    loose = [a for a in alternatives if _UNSPACED_SCRIPT.search(a)]
    pattern = _W + "(?:" + "|".join(bounded) + ")" + _E
    if loose:
        pattern += "|" + "|".join(loose)
    return re.compile(pattern)


# Words with everyday senses ("bomb chili", "hit list", "a crowd", "shoot with a rifle at the range"): they inform the
# classifier but never make the rule layer refuse on their own.
_EVERYDAY = {
    r"\bbombs?\b",
    r"\bbomba\b",
    r"\bbombe\b",
    r"бомб\w+",
    "炸弹",
    "قنبلة",
    r"\bguns?\b",
    "rifles?",
    "pistols?",
    r"pistole\w*",
    "pistolas?",
    r"пистолет\w*",
    "handguns?",
    "revolvers?",
    "shotguns?",
    "ammunition",
    r"\bammo\b",
    "munition",
    "background checks?",
    "serial numbers?",
    "crossbows?",
    "tasers?",
    "crowds?",
    "stadium",
    "concert",
    "hit list",
    r"dams?\b",
    "sanctions?",
    "sanctioned",
    "propaganda",
    r"\bexploits?\b",
    r"\bworms?\b",
    "trojans?",
    "medical devices?",
    r"\b911\b",
    r"\b112\b",
    "turrets?",
    r"дрон\w*",
    "无人机",
    "طائرة مسيرة",
    "مسيرة",
    r"terror\w*",
    "pathogens?",
    "explosives?",
    r"гранат\w+",
    "grenades?",
    r"waffe\b",
    "枪",
    "枪支",
}
TERMS: dict[str, re.Pattern[str]] = {area: _compile(body) for area, body in _TERMS.items()}
STRONG_TERMS: dict[str, re.Pattern[str]] = {
    area: _compile("|".join(a for a in body.replace("\n", "").split("|") if a.strip() and a.strip() not in _EVERYDAY))
    for area, body in _TERMS.items()
}


def masked(text: str) -> str:
    """``text`` with every named agent, weapon or target replaced by its area's placeholder ("how do i make
    __chemical__"), so that what a request asks generalises across the names it asks it about."""
    for area, pattern in TERMS.items():
        text = pattern.sub(f" __{area}__ ", text)
    return " ".join(text.split())


def areas_named(text: str, strong: bool = False) -> list[str]:
    """The harm areas whose vocabulary ``text`` (already normalised) uses, in policy order; ``strong``: only names
    without an everyday sense."""
    return [area for area, pattern in (STRONG_TERMS if strong else TERMS).items() if pattern.search(text)]
