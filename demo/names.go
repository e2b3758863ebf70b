package demo

// The word lists customers are made of. Read only.

var firstNames = []string{
	"Olivia", "Liam", "Emma", "Noah", "Ava", "Oliver", "Sophia", "Elijah", "Isabella", "James",
	"Mia", "William", "Amelia", "Benjamin", "Harper", "Lucas", "Evelyn", "Henry", "Abigail", "Theodore",
	"Emily", "Jack", "Ella", "Levi", "Elizabeth", "Alexander", "Camila", "Jackson", "Luna", "Mateo",
	"Sofia", "Daniel", "Avery", "Michael", "Mila", "Mason", "Aria", "Sebastian", "Scarlett", "Ethan",
	"Penelope", "Logan", "Layla", "Owen", "Chloe", "Samuel", "Victoria", "Jacob", "Madison", "Asher",
	"Priya", "Arjun", "Mei", "Hiroshi", "Yuki", "Chen", "Fatima", "Omar", "Aisha", "Mohammed",
	"Lucía", "Diego", "Valentina", "Santiago", "Zoë", "Björn", "Ingrid", "Lars", "Amara", "Kwame",
	"Nadia", "Dmitri", "Anya", "Siobhán", "Conor", "Aoife", "Rafael", "Gabriela", "Thanh", "Minh",
}

var lastNames = []string{
	"Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis", "Rodriguez", "Martinez",
	"Hernandez", "Lopez", "Gonzalez", "Wilson", "Anderson", "Thomas", "Taylor", "Moore", "Jackson", "Martin",
	"Lee", "Perez", "Thompson", "White", "Harris", "Sanchez", "Clark", "Ramirez", "Lewis", "Robinson",
	"Walker", "Young", "Allen", "King", "Wright", "Scott", "Torres", "Nguyen", "Hill", "Flores",
	"Green", "Adams", "Nelson", "Baker", "Hall", "Rivera", "Campbell", "Mitchell", "Carter", "Roberts",
	"Patel", "Kim", "Chen", "Wang", "Tanaka", "Sato", "Khan", "Ali", "Okafor", "Mensah",
	"Müller", "Schmidt", "Rossi", "Bianchi", "Dubois", "Lefèvre", "Novak", "Kowalski", "Andersson", "Johansson",
	"O'Brien", "Murphy", "Kelly", "Silva", "Santos", "Costa", "Ivanova", "Petrov", "Haddad", "Cohen",
}

var companies = []string{
	"Acme Outfitters", "Blue Harbor Trading", "Cedar & Pine Co.", "Northwind Supply", "Summit Gear Ltd",
	"Bright Kitchen Studio", "Greenleaf Market", "Harborview Hotels", "Ironclad Fitness", "Juniper Design",
	"Keystone Events", "Lakeside Cafés", "Maple Street Goods", "Nimbus Software", "Orchard Florists",
	"Pioneer Schools", "Quartz Dental", "Redwood Realty", "Silverline Logistics", "Trailhead Adventures",
	"Urban Roots Nursery", "Vantage Marketing", "Willow Yoga", "Yellowstone Catering", "Zephyr Cycles",
}
