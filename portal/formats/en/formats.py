# English pages write dates the Vietnamese way too (dd/mm/yyyy, 24-hour clock).
from portal.formats.vi.formats import *  # noqa: F403
