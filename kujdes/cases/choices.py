"""Picklists of case files. Codes are HTCDS 2.0 value names where the standard has a list."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class CaseType(models.TextChoices):
    PREVENTION = "prevention", _("Prevention support")
    VICTIM_ASSISTANCE = "victim_assistance", _("Victim assistance")


class CaseStatus(models.TextChoices):
    # HTCDS cas_Status.
    ACTIVE = "Active", _("Active")
    FOLLOW_UP = "FollowUp", _("Follow-up")
    CLOSED = "Closed", _("Closed")
    CLOSED_REFERRED = "ClosedReferred", _("Closed (referred)")


OPEN_STATUSES = (CaseStatus.ACTIVE, CaseStatus.FOLLOW_UP)


class ClosureReason(models.TextChoices):
    GOALS_MET = "goals_met", _("Support plan goals met")
    REFERRED = "referred", _("Referred to another organisation")
    MOVED = "moved", _("Moved away or lost contact")
    DECLINED = "declined", _("The person declined further support")
    NOT_ELIGIBLE = "not_eligible", _("Not eligible")
    DECEASED = "deceased", _("Deceased")
    OTHER = "other", _("Other")


class TraffickingStatus(models.TextChoices):
    # HTCDS vic_TraffickingStatus.
    POSSIBLE = "PossibleVictimOfTrafficking", _("Possible victim of trafficking")
    ACTUAL = "ActualVictimOfTrafficking", _("Victim of trafficking")
    NOT_A_VICTIM = "NotAVictimOfTrafficking", _("Not a victim of trafficking")


class DecisionOrganisation(models.TextChoices):
    # HTCDS vic_TraffickingStatusDecisionMakingOrg.
    POLICE = "Police", _("Police")
    NGO = "NGO", _("Non-governmental organisation")
    COURT = "CourtOrProsecution", _("Court or prosecution")
    GOVERNMENT = "NonPoliceGovernmentalOrganization", _("Government body other than the police")
    OTHER = "Other", _("Other")


class NrmStage(models.TextChoices):
    """The Albanian national referral mechanism: each stage is reached by a decision, in this order."""

    AT_RISK = "at_risk", _("At risk")
    POTENTIAL_VICTIM = "potential_victim", _("Potential victim")
    OFFICIAL_VICTIM = "official_victim", _("Official victim status")


NRM_ORDER = [NrmStage.AT_RISK, NrmStage.POTENTIAL_VICTIM, NrmStage.OFFICIAL_VICTIM]


class ExploitationType(models.TextChoices):
    # HTCDS vic_TypeOfExploitation.
    FORCED_LABOUR = "ForcedLabour", _("Forced labour")
    SEXUAL = "SexualExploitation", _("Sexual exploitation")
    CHILD_LABOUR = "ChildLabour", _("Child labour")
    FORCED_MARRIAGE = "ForcedMarriage", _("Forced marriage")
    SERVITUDE = "Servitude", _("Servitude")
    FORCED_MILITARY = "ForcedMilitaryByNonStateActors", _("Forced military service by non-state actors")
    ORGAN_REMOVAL = "OrganRemoval", _("Organ removal")
    FORCED_BEGGING = "ForcedBegging", _("Forced begging")
    FORCED_ADOPTION = "ForcedAdoption", _("Forced adoption")
    SURROGACY = "Surrogacy", _("Surrogacy")
    OTHER = "Other", _("Other")


class LabourIndustry(models.TextChoices):
    # HTCDS vic_ForcedLabourIndustry: ISIC Rev. 4 sections.
    A = "A_AgricultureForestryAndFishing", _("A. Agriculture, forestry and fishing")
    B = "B_MiningAndQuarrying", _("B. Mining and quarrying")
    C = "C_Manufacturing", _("C. Manufacturing")
    D = "D_ElectricityGasSteamAndAirConditioningSupply", _("D. Electricity, gas, steam and air conditioning")
    E = "E_WaterSupplySewerageWasteManagement", _("E. Water supply, sewerage, waste management")
    F = "F_Construction", _("F. Construction")
    G = "G_WholesaleAndRetailTradeRepairOfMotorVehicles", _("G. Wholesale and retail trade")
    H = "H_TransportationAndStorage", _("H. Transportation and storage")
    I = "I_AccommodationAndFoodServiceActivities", _("I. Accommodation and food service")  # noqa: E741
    J = "J_InformationAndCommunication", _("J. Information and communication")
    K = "K_FinancialAndInsuranceActivities", _("K. Financial and insurance activities")
    L = "L_RealEstateActivities", _("L. Real estate activities")
    M = "M_ProfessionalScientificAndTechnicalActivities", _("M. Professional, scientific and technical")
    N = "N_AdministrativeAndSupportServiceActivities", _("N. Administrative and support services")
    O = "O_PublicAdministrationAndDefence", _("O. Public administration and defence")  # noqa: E741
    P = "P_Education", _("P. Education")
    Q = "Q_HumanHealthAndSocialWorkActivities", _("Q. Human health and social work")
    R = "R_ArtsEntertainmentAndRecreation", _("R. Arts, entertainment and recreation")
    S = "S_OtherServiceActivities", _("S. Other service activities")
    T = "T_ActivitiesOfHouseholdsAsEmployers", _("T. Households as employers (domestic work)")
    U = "U_ActivitiesOfExtraterritorialOrganizations", _("U. Extraterritorial organisations")


class SexExploitationType(models.TextChoices):
    # HTCDS vic_TypeOfSexExploitation.
    PROSTITUTION = "Prostitution", _("Prostitution")
    PORNOGRAPHY = "Pornography", _("Pornography")
    REMOTE = "RemoteInteractiveServices", _("Remote interactive services")
    PRIVATE = "PrivateSexualServices", _("Private sexual services")


class ControlMethod(models.TextChoices):
    # HTCDS vic_MethodsOfControl (the standard's "DebtBondage " has a stray space; stored without it).
    PHYSICAL_THREATS = "PhysicalThreats", _("Physical threats")
    THREATS_LAW_ENFORCEMENT = "ThreatsLawEnforcement", _("Threats of law enforcement")
    THREATENS_FAMILY = "ThreatensChildrenFamily", _("Threats against children or family")
    DEBT_BONDAGE = "DebtBondage", _("Debt bondage")
    FALSE_PROMISES = "FalsePromises", _("False promises")
    PHYSICAL_ABUSE = "PhysicalAbuse", _("Physical abuse")
    SEXUAL_ABUSE = "SexualAbuse", _("Sexual abuse")
    TAKES_EARNINGS = "TakesEarnings", _("Takes earnings")
    RESTRICTS_FINANCES = "RestrictsFinancialAccess", _("Restricts access to money")
    RESTRICTS_MEDICAL = "RestrictsMedicalCare", _("Restricts medical care")
    WITHHOLDS_NECESSITIES = "WithholdsNecessities", _("Withholds necessities")
    PSYCHOLOGICAL_ABUSE = "PsychologicalAbuse", _("Psychological abuse")
    PSYCHOACTIVE = "PsychoactiveSubstance", _("Psychoactive substances")
    EXCESSIVE_HOURS = "ExcessiveWorkingHours", _("Excessive working hours")
    WITHHOLDS_DOCUMENTS = "WithholdsDocuments", _("Withholds documents")
    OTHER = "Other", _("Other")


class RecruitmentMethod(models.TextChoices):
    # HTCDS vic_MethodOfRecruitment.
    PLACE_OF_BUSINESS = "AtAPlaceOfBusiness", _("At a place of business")
    EDUCATIONAL_INSTITUTION = "AtAnEducationalInstitution", _("At a school or college")
    AT_WORK = "AtWork", _("At work")
    ONLINE_SOCIAL = "ThroughOnlineSocialNetworks", _("Through online social networks")
    ONLINE_AD = "ThroughAnOnlineAdvertisement", _("Through an online advertisement")
    TV_AD = "ThroughATelevisionAdvert", _("Through a television advertisement")
    NEWSPAPER_AD = "ThroughANewspaperAdvert", _("Through a newspaper advertisement")
    FAMILY = "ThroughFamilyOrFamilyEvents", _("Through family or family events")
    FRIENDS = "ThroughFriendsOrSocialEvents", _("Through friends or social events")
    OTHER = "Other", _("Other")


class WebsiteOrApp(models.TextChoices):
    # HTCDS vic_RecruitmentWebsitesAndApps / vic_ExploitationWebsitesAndApps.
    FACEBOOK = "Facebook", "Facebook"
    INSTAGRAM = "Instagram", "Instagram"
    WHATSAPP = "WhatsApp", "WhatsApp"
    TELEGRAM = "Telegram", "Telegram"
    MESSENGER = "FacebookMessenger", "Facebook Messenger"
    VIBER = "Viber", "Viber"
    SNAPCHAT = "SnapChat", "Snapchat"
    LINE = "Line", "Line"
    FOURSALE = "4Sale", "4Sale"
    WECHAT = "WeChat", "WeChat"
    QQ = "QQ", "QQ"
    QZONE = "QZone", "QZone"
    TIKTOK = "TikTok", "TikTok"
    TWITTER = "Twitter", "Twitter / X"
    OTHER = "Other", _("Other")


class TraffickerRelationship(models.TextChoices):
    # HTCDS vic_RelationshipToTrafficker.
    FAMILIAL = "Familial", _("Family member")
    ACQUAINTED = "Acquainted", _("Acquaintance")
    UNACQUAINTED = "Unaquainted", _("Stranger")


class Vulnerability(models.TextChoices):
    # HTCDS vic_Vulnerabilities.
    ADDICTION = "Addiction", _("Addiction")
    SOCIAL_GROUP = "SocialGroup", _("Social group")
    DISCRIMINATION = "Discrimination", _("Discrimination")
    POVERTY = "Poverty", _("Poverty")
    DISABILITY = "DisabilityAndPhysicalHealth", _("Disability and physical health")
    MENTAL_HEALTH = "MentalHealth", _("Mental health")
    MIGRATION = "Migration", _("Migration")
    HOMELESSNESS = "Homelessness", _("Homelessness")
    ABUSE_SOCIAL_MEDIA = "AbuseSocialMedia", _("Abuse through social media")
    ABUSE_PHYSICAL = "AbusePhysical", _("Physical abuse")
    EDUCATION = "Education", _("Education")
    WORK_ENVIRONMENT = "WorkEnvironment", _("Work environment")


class EventType(models.TextChoices):
    # HTCDS hte_Type.
    RECRUITMENT = "Recruitment", _("Recruitment")
    TRANSIT = "Transit", _("Transit")
    EXPLOITATION = "Exploitation", _("Exploitation")


class SupportType(models.TextChoices):
    # HTCDS spl_Type.
    EDUCATION = "Education", _("Education")
    FINANCIAL = "Financial", _("Financial")
    HEALTH = "Health", _("Health")
    LABOUR_REHABILITATION = "LabourExploitationRehabilitation", _("Rehabilitation after labour exploitation")
    LEGAL = "Legal", _("Legal")
    LIVELIHOOD = "Livelihood", _("Livelihood")
    RIGHTS_TRAINING = "RightsBasedTraining", _("Rights-based training")
    SEXUAL_REHABILITATION = "SexualExploitationRehabilitation", _("Rehabilitation after sexual exploitation")
    SOCIAL_CARE = "SocialCare", _("Social care")
    SHELTER = "Shelter", _("Shelter and accommodation")
    PSYCHOSOCIAL = "Psychosocial", _("Psychosocial support")
    OTHER = "Other", _("Other")


class PlanStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    IN_PROGRESS = "in_progress", _("In progress")
    ACHIEVED = "achieved", _("Achieved")
    DISCONTINUED = "discontinued", _("Discontinued")


class ContactMethod(models.TextChoices):
    VISIT = "visit", _("Home visit")
    OFFICE = "office", _("Meeting at the office")
    PHONE = "phone", _("Phone call")
    MESSAGE = "message", _("Message")
    OTHER = "other", _("Other")


class ApprovalKind(models.TextChoices):
    CLOSURE = "closure", _("Case closure")
    TRANSFER = "transfer", _("Case transfer")
    # A cross-border referral without the person's consent (kujdes/network/crossborder).
    REFERRAL_ABROAD = "referral_abroad", _("Referral abroad without consent")


class ApprovalStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for approval")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    WITHDRAWN = "withdrawn", _("Withdrawn")
